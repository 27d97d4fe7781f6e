"""Fixtures: every test runs once on SQLite and once on PostgreSQL.

Each backend gets a database of its own for the session (a unique PostgreSQL database,
dropped afterwards), built with the real migrations; every test starts from empty
tables plus the seed data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from advice import create_app
from advice.extensions import db

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("ADVICE_REQUIRE_POSTGRES") == "1"
TEST_PASSWORD = "correct horse battery staple"


def _postgres_answers() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _backends() -> list[str]:
    wanted = os.environ.get("ADVICE_TEST_BACKENDS", "sqlite,postgresql").split(",")
    backends = [name for name in wanted if name == "sqlite"]
    if "postgresql" in wanted:
        if _postgres_answers():
            backends.append("postgresql")
        elif REQUIRE_POSTGRES:
            raise pytest.UsageError(f"PostgreSQL does not answer at {ADMIN_URL}")
    return backends


BACKENDS = _backends()


def pytest_configure(config: pytest.Config) -> None:
    from tests.fuzz_tally import FuzzTally

    # Sums the fuzz tests' generated inputs over xdist workers for the terminal summary.
    config.pluginmanager.register(FuzzTally(config), "advice-fuzz-tally")


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for this test session (and xdist worker)."""
    urls: dict[str, str] = {}
    created: list[str] = []
    base = tmp_path_factory.mktemp("databases")
    for backend in BACKENDS:
        if backend == "sqlite":
            urls[backend] = f"sqlite:///{base / 'advice-test.sqlite3'}"
        else:
            name = f"advice_test_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            created.append(name)
            urls[backend] = _sqlalchemy_url(ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
        _migrate(urls[backend], base)
    yield urls
    for name in created:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_test_config(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _test_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_FAST": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }


def empty_tables() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            # Table names come from our own metadata, never from input.
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608
    db.session.commit()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module (or with ``app_config.update``) for special settings."""
    return {}


@pytest.fixture
def app(
    backend: str,
    database_urls: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    app_config: dict[str, Any],
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    config = _test_config(database_urls[backend], tmp_path)
    if request.node.get_closest_marker("csrf"):
        config["WTF_CSRF_ENABLED"] = True
    config.update(app_config)
    app = create_app(config)
    with app.app_context():
        empty_tables()
        from advice.cli import run_seed

        run_seed()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create a staff user: ``make_user(roles=("adviser",), offices=("stockholm",))``."""
    from advice.accounts.services import create_user

    counter = iter(range(1, 10_000))

    def factory(
        email: str | None = None,
        name: str = "Test Testsson",
        roles: tuple[str, ...] = ("adviser",),
        offices: tuple[str, ...] = ("stockholm",),
        password: str = TEST_PASSWORD,
        language: str = "sv",
    ) -> Any:
        with app.app_context():
            user = create_user(
                email or f"user{next(counter)}@example.org",
                name,
                password,
                roles,
                offices,
                language,
            )
            db.session.commit()
            db.session.refresh(user)
            user_id = user.id
            email_address = user.email
        return type("UserRef", (), {"id": user_id, "email": email_address, "password": password})

    return factory


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """Sign a user (as returned by ``make_user``) in on the test client."""

    def sign_in(user: Any, password: str | None = None) -> Any:
        response = client.post(
            "/login", data={"email": user.email, "password": password or user.password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return sign_in
