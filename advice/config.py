"""Configuration defaults and the checks that run before the app starts.

Layers, in order: these defaults, ``instance/config.py``, ``ADVICE_*`` environment
variables (``DATABASE_URL`` too), and finally the test configuration.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEVELOPMENT_SECRETS = frozenset({"", "dev", "development", "changeme", "secret"})


class ConfigurationError(RuntimeError):
    """The app refuses to start with this configuration."""


class Defaults:
    ENV = "development"
    SQLALCHEMY_DATABASE_URI = "sqlite:///advice.sqlite3"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "advice_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    # Sign-in throttling: this many failures for one account or one client within
    # the window refuse further attempts until the window has passed.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

    PASSWORD_HASH_FAST = False  # tests switch to cheap argon2 parameters

    MAX_CONTENT_LENGTH = 60 * 1024 * 1024

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    SLA_WORKING_DAYS = 2
    REFERENCE_PREFIX = "EK"


def database_url_from_environment() -> str | None:
    """``ADVICE_DATABASE_URL`` wins over the conventional ``DATABASE_URL``."""
    url = os.environ.get("ADVICE_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        return None
    # Hosting platforms still hand out postgres:// URLs; psycopg 3 needs its driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: Path) -> str:
    """Read the generated secret key, creating it on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two processes start at once, one writes and both read the same key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def validate(config: dict[str, Any]) -> None:
    """Refuse to run in production with settings only fit for a laptop."""
    if config.get("ENV") != "production":
        return
    secret = str(config.get("SECRET_KEY") or "")
    if secret.lower() in DEVELOPMENT_SECRETS or len(secret) < 32:
        raise ConfigurationError(
            "ADVICE_SECRET_KEY must be set to a long random value in production."
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigurationError("SESSION_COOKIE_SECURE must be true in production.")
