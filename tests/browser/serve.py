"""The app on a real WSGI server, for the browser tests: ``python -m tests.browser.serve PORTFILE``.

Werkzeug's threaded server binds port 0 (the system picks a free port, so parallel test
workers never collide) and writes the port to PORTFILE once it listens. Everything else
comes from the environment: ``ADVICE_DATABASE_URL``, ``ADVICE_INSTANCE_PATH`` and the
other ``ADVICE_*`` settings, read by ``create_app`` as in production.

The server closes every response, as PEP 3333 requires and production's gunicorn does,
also when the client resets the connection (``ClosingRequestHandler``): the app's work
after the response (mail delivery) hangs on that close.

Two test switches, each honoured here only (never by the product) and only for a request
that carries its header, so that no other request or test is affected:

- ``FAULT_HEADER`` makes the request fail as the error pages' checks need it to:
  ``database`` fails every database statement of the request as a lost database does
  (the 503 page), ``bug`` makes them raise an unexpected exception (the 500 page), and
  ``unauthorised`` answers 401 before the view (no browser route of the product does:
  the API answers JSON, pages send visitors to the sign-in page).
- The rate limits count and refuse only requests with ``RATE_LIMIT_HEADER``. Every test
  comes from 127.0.0.1, where the per-client limits would soon refuse the rest of the
  suite; the 429 page's check sends the header until the limit bites.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask, abort, has_request_context, request
from sqlalchemy import event
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from advice import create_app
from advice.extensions import db, limiter

FAULT_HEADER = "X-Browser-Test-Fault"
RATE_LIMIT_HEADER = "X-Browser-Test-Rate-Limit"
RESPONSE_KEY = "tests.browser.serve.response"

# The server ------------------------------------------------------------------------------


class ClosedOnce:
    """The app's response; its ``close()`` runs once, however often it is called."""

    def __init__(self, iterable: Iterable[bytes]) -> None:
        self.iterable = iterable
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.iterable)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        close = getattr(self.iterable, "close", None)
        if close is not None:
            close()


def keeping_the_response(app: Any) -> Any:
    """``app``, leaving its response in the environ where the request handler finds it."""

    def application(environ: dict[str, Any], start_response: Any) -> ClosedOnce:
        response = ClosedOnce(app(environ, start_response))
        environ[RESPONSE_KEY] = response
        return response

    return application


class ClosingRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, closing the response also when the client drops the connection.

    After writing a response Werkzeug reads what is left of the request, in a ``finally``
    block, and only then closes the response. A client that resets the connection makes
    that read raise, and the close is skipped. Chromium does so when it follows a redirect
    without reading its body: after ``POST /ask`` answers 302, the receipt's delivery
    (``response.call_on_close``) then never ran, and the message stayed pending.
    """

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        response = (environ or {}).get(RESPONSE_KEY)
        if response is not None:
            response.close()


def make_test_server(app: Any) -> BaseWSGIServer:
    """A threaded server for ``app`` on a free port of 127.0.0.1."""
    return make_server(
        "127.0.0.1",
        0,
        keeping_the_response(app),
        threaded=True,
        request_handler=ClosingRequestHandler,
    )


# The test switches -----------------------------------------------------------------------


class InjectedFault(RuntimeError):
    """The unexpected error a request asked for with ``FAULT_HEADER: bug``."""


def _fault() -> str | None:
    return request.headers.get(FAULT_HEADER) if has_request_context() else None


def install_test_switches(app: Flask) -> None:
    limiter.request_filter(lambda: RATE_LIMIT_HEADER not in request.headers)

    @app.before_request
    def refuse_unauthorised() -> None:
        if _fault() == "unauthorised":
            abort(401)

    with app.app_context():
        engine = db.engine
        dbapi = engine.dialect.loaded_dbapi

    # In the driver's place, where SQLAlchemy wraps what the driver raises as it would a
    # real failure (an error raised by before_cursor_execute would escape unwrapped).
    @event.listens_for(engine, "do_execute")
    @event.listens_for(engine, "do_execute_no_params")
    @event.listens_for(engine, "do_executemany")
    def fail_statement(*_arguments: Any) -> None:
        fault = _fault()
        if fault == "database":
            raise dbapi.OperationalError("the database is unavailable (a browser test's fault)")
        if fault == "bug":
            raise InjectedFault("an unexpected error (a browser test's fault)")


def main(port_file: Path) -> None:
    app = create_app()
    install_test_switches(app)
    server = make_test_server(app)
    # Written whole, then renamed: the test never reads half a number.
    partial = port_file.with_suffix(".partial")
    partial.write_text(str(server.server_port))
    partial.rename(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
