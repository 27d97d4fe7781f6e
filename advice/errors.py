"""One handler per error status, each rendering templates/errors/<code>.html."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable, default_exceptions
from werkzeug.wrappers import Response

from advice.extensions import db, login_manager

RENDERED_STATUSES = (400, 401, 403, 404, 405, 413, 429, 500, 503)

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


ErrorAnswer = tuple[Response | str, int, dict[str, str]]


def problem_response(status: int, title: str, detail: str | None, **extra: Any) -> Response:
    """An RFC 9457 problem document; ``extra`` adds members such as ``errors`` per field."""
    response = jsonify({"title": title, "status": status, "detail": detail, **extra})
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def _headers(error: HTTPException) -> dict[str, str]:
    """The error's own headers: a 405 names the allowed methods (RFC 9110), a 401 of the
    API says how to authenticate (WWW-Authenticate); the body's type is ours to set."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def render_error(error: HTTPException) -> ErrorAnswer:
    status = error.code or 500
    if status >= 500:
        # The page must render without the database: the navigation and the language
        # choice would otherwise load the signed-in user again and fail the same way.
        g._login_user = login_manager.anonymous_user()
    if _wants_json():
        return problem_response(status, error.name, error.description), status, _headers(error)
    template = f"errors/{status}.html" if status in RENDERED_STATUSES else "errors/generic.html"
    return (
        render_template(template, error=error, status=status, detail=_own_reason(error)),
        status,
        _headers(error),
    )


def _own_reason(error: HTTPException) -> str | None:
    """The reason a view gave, in the user's language (``abort(400, description=_(…))``).

    Werkzeug's own descriptions are generic English, and so are those of the libraries'
    subclasses: Flask-WTF's CSRFError ("The CSRF token is missing.") and Flask-Limiter's
    RateLimitExceeded ("30 per 1 minute"). The page says the same in words of its own.
    """
    own_class = default_exceptions.get(error.code or 500)
    if type(error) is not own_class or error.description == own_class.description:
        return None
    return error.description


def handle_http_error(
    error: HTTPException,
) -> ErrorAnswer | tuple[Response, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error
    if error.response is not None:
        # A ready answer travels with the exception (the intake's rate-limit page).
        return error.response, error.code
    if error.code >= 500:
        db.session.rollback()
    return render_error(error)


def handle_database_unavailable(error: DBAPIError) -> ErrorAnswer:
    """A lost database connection is an outage, not a bug: answer 503."""
    log.error("database unavailable: %s", error.__class__.__name__)
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    return render_error(ServiceUnavailable())


def handle_unexpected(error: Exception) -> ErrorAnswer:
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
