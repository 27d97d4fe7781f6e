"""A request id on every request and every log line; JSON log lines when configured.

The id comes from the proxy's ``X-Request-ID`` header when it looks like one (nginx:
``proxy_set_header X-Request-ID $request_id``), otherwise it is made here; the response
carries it back, so a complaint that quotes it leads to the log lines of that request.

``LOG_FORMAT = "json"`` writes one JSON object per line (time, level, logger, message,
request id, exception) to stderr for journald or a log shipper.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from werkzeug.wrappers import Response

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_HANDLER_NAME = "advice-ops"


# Path segments that are secrets: the tracking link, the invitation, the intake receipt.
_SECRET_AFTER = re.compile(r"(/(?:track|invitation|ask/received)/)[^/\s?\"]+")
# Any other segment that looks like a random token (mixed case and digits, 16 or more).
_TOKEN_LIKE = re.compile(
    r"(?<=/)(?=[^/\s?\"]*[A-Z])(?=[^/\s?\"]*[a-z])(?=[^/\s?\"]*[0-9])"
    r"[A-Za-z0-9_.~-]{16,}"
)


def private_path(path: str) -> str:
    """The path with its secret segments replaced by ``[token]``, fit for a log."""
    return _TOKEN_LIKE.sub("[token]", _SECRET_AFTER.sub(r"\1[token]", path))


class PrivatePathFilter(logging.Filter):
    """Hides secret path segments in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                private_path(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = private_path(record.msg)
        return True


def current_request_id() -> str:
    if has_request_context():
        return str(g.get("request_id") or "-")
    return "-"


class RequestIdFilter(logging.Filter):
    """Puts ``record.request_id`` on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the message is formatted before it is written."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s"


def configure_logging(log_format: str, level: str) -> None:
    """One stderr handler on the root logger with the chosen format (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PrivatePathFilter())
    formatter: logging.Formatter = (
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())


def _assign_request_id() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex


def _return_request_id(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def init_request_log(app: Flask) -> None:
    # First of all before-request functions: a sign-in redirect carries the id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)
    app.after_request(_return_request_id)
    # Tests and the development server keep Flask's own logging; a production process
    # (gunicorn, the worker, tick) gets the configured format on the root logger.
    if app.config.get("LOG_FORMAT") == "json" or app.config.get("ENV") == "production":
        configure_logging(str(app.config.get("LOG_FORMAT") or "text"), str(app.config["LOG_LEVEL"]))
