from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from advice import create_app
from advice.config import ConfigurationError
from advice.extensions import db


def test_a_secret_key_is_generated_into_the_instance_folder_once(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("ADVICE_SECRET_KEY", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key_file = Path(tmp_path / "instance" / "secret_key")
    assert key_file.exists()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 48
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_production_refuses_a_development_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ADVICE_ENV", "production")
    monkeypatch.setenv("ADVICE_SECRET_KEY", "dev")
    with pytest.raises(ConfigurationError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_insecure_session_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ADVICE_ENV", "production")
    monkeypatch.setenv("ADVICE_SECRET_KEY", "k" * 64)
    with pytest.raises(ConfigurationError, match="SESSION_COOKIE_SECURE"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("ADVICE_SESSION_COOKIE_SECURE", "true")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_overrides_instance_config_which_overrides_defaults(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SLA_WORKING_DAYS = 3\nREFERENCE_PREFIX = 'XX'\n")
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("ADVICE_SLA_WORKING_DAYS", "4")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    assert app.config["SLA_WORKING_DAYS"] == 4
    assert app.config["REFERENCE_PREFIX"] == "XX"


def test_database_url_selects_postgresql_through_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/advice")
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path, monkeypatch):
    from sqlalchemy import text

    from advice.extensions import db

    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wal.sqlite3'}", "SECRET_KEY": "x" * 40}
    )
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.rollback()
        db.engine.dispose()


def test_postgresql_plans_every_statement_for_its_own_parameters(app):
    """psycopg prepares statements; PostgreSQL would then reuse one generic plan for any
    parameters, several times slower for the search's full-text queries."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            mode = db.session.scalar(text("SHOW plan_cache_mode"))
            assert mode == "force_custom_plan"
        else:
            assert "options" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
