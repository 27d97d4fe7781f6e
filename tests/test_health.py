from __future__ import annotations

from pathlib import Path

import pytest

from advice import create_app


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.fixture
def unreachable_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}"
    return "postgresql+psycopg://postgres@127.0.0.1:9/advice?connect_timeout=2"


@pytest.fixture
def app_without_database(unreachable_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": unreachable_database_url,
        }
    )


def test_healthz_answers_503_when_the_database_is_down(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_pages_answer_with_the_503_page_when_the_database_is_down(app_without_database):
    response = app_without_database.test_client().get("/")
    assert response.status_code == 503
    assert "text/html" in response.content_type


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_page_answers_when_the_database_ended_its_connection_meanwhile(app, backend):
    """PostgreSQL restarted after the view had read: the page goes out, not an empty 500.

    Found by ``make soak``: the session's closing ROLLBACK failed on the terminated
    connection after the response had been made.
    """
    if backend != "postgresql":
        pytest.skip("ends a PostgreSQL server process")
    from sqlalchemy import text

    from advice.extensions import db
    from advice.security import public

    @app.get("/test-connection-ended")
    @public
    def connection_ended() -> str:
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return "read before the restart"

    response = app.test_client().get("/test-connection-ended")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "read before the restart"
    with app.app_context():  # the pool has replaced the connection
        assert db.session.execute(text("SELECT 1")).scalar() == 1
