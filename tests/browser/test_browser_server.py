"""The browser tests' app server (serve.py) closes every response, as PEP 3333 requires
and gunicorn does in production: the app's work after the response hangs on the close."""

from __future__ import annotations

import socket
import struct
import threading

from flask import Flask, redirect
from werkzeug.wrappers import Response

from tests.browser.serve import make_test_server

WAIT_SECONDS = 5


def test_the_response_is_closed_when_the_client_resets_the_connection() -> None:
    """As Chromium may after ``POST /ask``: it reads the redirect's headers and closes the
    connection with the body unread, which resets it. Werkzeug, reading what is left of
    the request at that moment, used to skip the close, and the receipt was never sent."""
    view_started = threading.Event()
    body_sent = threading.Event()
    closed = threading.Event()
    app = Flask(__name__)

    @app.post("/ask")
    def ask() -> Response:
        view_started.set()
        # The body reaches the socket unread, as what a view leaves unread does.
        body_sent.wait(WAIT_SECONDS)
        response = redirect("/ask/received")
        response.call_on_close(closed.set)
        return response

    server = make_test_server(app)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port)) as client:
            client.sendall(b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 8\r\n\r\n")
            assert view_started.wait(WAIT_SECONDS)
            client.sendall(b"question")
            body_sent.set()
            assert client.recv(12) == b"HTTP/1.1 302"
            # Closing now, with the response's rest unread, resets the connection; linger 0
            # makes sure of it.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert closed.wait(WAIT_SECONDS), "the response was not closed"
    finally:
        server.shutdown()
        server.server_close()
        serving.join(WAIT_SECONDS)
