"""The migrations build the schema the models describe, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from advice import create_app
from advice.extensions import db
from advice.knowledge.search import include_name
from tests.conftest import ADMIN_URL, BACKENDS


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"advice_migration_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield "postgresql+psycopg://" + ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def bare_app(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x" * 40})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_builds_an_empty_database_that_matches_the_models(bare_app):
    with bare_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []


def test_downgrade_to_base_and_upgrade_again_round_trips(bare_app):
    with bare_app.app_context():
        upgrade()
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
        assert "cases" in inspect(db.engine).get_table_names()


@pytest.mark.parametrize(
    "empty_database_url", [name for name in BACKENDS if name == "postgresql"], indirect=True
)
def test_postgresql_keeps_the_search_vectors_in_their_rows(bare_app):
    """Migration 0009: storage MAIN, so matching and ranking never fetch a tsvector from
    the TOAST table; downgraded, the column is back to PostgreSQL's default."""

    def storage() -> str:
        return str(
            db.session.scalar(
                text(
                    "SELECT attstorage FROM pg_attribute WHERE attname = 'tsv' "
                    "AND attrelid = 'search_documents'::regclass"
                )
            )
        )

    with bare_app.app_context():
        upgrade()
        assert storage() == "m"
        db.session.rollback()
        downgrade(revision="0008")
        assert storage() == "x"
        db.session.rollback()
