"""Fingerprinted static files: ``url_for('static', filename=...)`` adds ``?v=<hash>``.

The hash is of the file's content, computed the first time a process builds a link to
the file and remembered for the life of the process (a deployment restarts the processes,
so a changed file gets a new address). A response to a versioned address may be kept by
browsers and proxies for a year; an unversioned one is revalidated every time.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

LONG_CACHE = "public, max-age=31536000, immutable"
VERSION_LENGTH = 12


class StaticFingerprints:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._versions: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def version(self, filename: str) -> str | None:
        try:
            return self._versions[filename]
        except KeyError:
            pass
        version = self._hash(filename)
        with self._lock:
            self._versions[filename] = version
        return version

    def _hash(self, filename: str) -> str | None:
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()[:VERSION_LENGTH]


def init_static_fingerprints(app: Flask) -> None:
    if not app.static_folder:
        return
    fingerprints = StaticFingerprints(Path(app.static_folder))
    app.extensions["advice_static_fingerprints"] = fingerprints

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = fingerprints.version(str(values["filename"]))
            if version:
                values["v"] = version

    @app.after_request
    def cache_versioned(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = str((request.view_args or {}).get("filename", ""))
        # Only the current version is immutable: an old page asking for an old hash gets
        # today's file, which must not be kept under that address for a year.
        current = fingerprints.version(filename) if filename else None
        if current and request.args.get("v") == current:
            response.headers["Cache-Control"] = LONG_CACHE
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response
