"""One handler per error status, each rendering templates/errors/<code>.html."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from advice.extensions import db, login_manager

RENDERED_STATUSES = (400, 401, 403, 404, 405, 413, 429, 500, 503)

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    if status >= 500:
        # The page must render without the database: the navigation and the language
        # choice would otherwise load the signed-in user again and fail the same way.
        g._login_user = login_manager.anonymous_user()
    if _wants_json():
        body = {"title": error.name, "status": status, "detail": error.description}
        response = jsonify(body)
        response.content_type = "application/problem+json"
        return response, status
    template = f"errors/{status}.html" if status in RENDERED_STATUSES else "errors/generic.html"
    return render_template(template, error=error, status=status), status


def handle_http_error(
    error: HTTPException,
) -> tuple[Response | str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error
    if error.response is not None:
        # A ready answer travels with the exception (the intake's rate-limit page).
        return error.response, error.code
    if error.code >= 500:
        db.session.rollback()
    return render_error(error)


def handle_database_unavailable(error: DBAPIError) -> tuple[Response | str, int]:
    """A lost database connection is an outage, not a bug: answer 503."""
    log.error("database unavailable: %s", error.__class__.__name__)
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    return render_error(ServiceUnavailable())


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception("unhandled error", exc_info=error)
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    from werkzeug.exceptions import InternalServerError

    return render_error(InternalServerError())


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
