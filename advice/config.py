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
    # With Redis as the store, a Redis outage falls back to per-process limits instead
    # of failing every limited request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # Operations (advice.ops). REDIS_URL switches on shared rate limits and the job queue;
    # STORAGE_PATH is the folder several app servers share (uploads and cached PDFs).
    REDIS_URL: str | None = None
    STORAGE_PATH: str | None = None
    JOB_QUEUE_NAME = "advice"
    LOG_FORMAT = "text"  # "json": one JSON object per line, with the request id
    LOG_LEVEL = "INFO"
    METRICS_TOKEN: str | None = None
    METRICS_ALLOWED_IPS = ""  # comma-separated addresses allowed to read /metrics
    DIGEST_HOUR = 7  # local time from which `tick` sends the day's digests
    RETENTION_HOUR = 2  # local time from which `tick` runs the day's retention
    BACKUP_FOLDER: str | None = None  # default <instance>/backups

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


def derive_settings(config: dict[str, Any]) -> None:
    """Settings that follow from others unless set on their own.

    ``REDIS_URL`` becomes the rate limit store; ``STORAGE_PATH`` holds the uploads and the
    PDF cache.
    """
    redis_url = config.get("REDIS_URL")
    if redis_url and config.get("RATELIMIT_STORAGE_URI") in (None, "", "memory://"):
        config["RATELIMIT_STORAGE_URI"] = redis_url
    storage = config.get("STORAGE_PATH")
    if storage:
        if not config.get("UPLOAD_FOLDER"):
            config["UPLOAD_FOLDER"] = str(Path(storage) / "uploads")
        if not config.get("PDF_CACHE_FOLDER"):
            config["PDF_CACHE_FOLDER"] = str(Path(storage) / "pdf-cache")


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
