"""The app on a real WSGI server, for the browser tests: ``python -m tests.browser.serve PORTFILE``.

Werkzeug's threaded server binds port 0 (the system picks a free port, so parallel test
workers never collide) and writes the port to PORTFILE once it listens. Everything else
comes from the environment: ``ADVICE_DATABASE_URL``, ``ADVICE_INSTANCE_PATH`` and the
other ``ADVICE_*`` settings, read by ``create_app`` as in production.
"""

from __future__ import annotations

import sys
from pathlib import Path

from werkzeug.serving import make_server

from advice import create_app


def main(port_file: Path) -> None:
    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Written whole, then renamed: the test never reads half a number.
    partial = port_file.with_suffix(".partial")
    partial.write_text(str(server.server_port))
    partial.rename(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
