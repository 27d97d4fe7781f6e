"""Logging that never writes a requester's private tracking token."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/track/)[^/\s?\"]+")


class TrackingTokenFilter(logging.Filter):
    """Replaces the token in /track/<token> paths with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_PATH.sub(r"\1[token]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_PATH.sub(r"\1[token]", record.msg)
        return True


def hide_tracking_tokens() -> None:
    """Attach the filter to the loggers that print request lines (idempotent)."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, TrackingTokenFilter) for existing in logger.filters):
            logger.addFilter(TrackingTokenFilter())
