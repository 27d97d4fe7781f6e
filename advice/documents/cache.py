"""Rendered PDFs on disk, so that the same document is never rendered twice.

A file is named for what it shows: ``<folder>/<case-id>/<kind>-<version>-<language>-
<digest>.pdf``. The case's version moves with every change to its timeline; the digest
covers the rest of what the document shows (the office's contact details, the linked
articles, the layout's templates), so a new phone number or a new template also gives a
new file rather than a stale one.

The folder is ``PDF_CACHE_FOLDER`` (shared storage when several app servers run) or
``<instance>/pdf-cache``. Files are written to a temporary name and renamed into place,
so a reader never sees half a PDF and two processes rendering at once both succeed.
Writing a new file removes the older ones of the same kind and language.

A cached summary or record holds personal data: ``forget_case_documents`` removes a
case's files, and anonymisation and erasure must call it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class CacheKey:
    case_id: int
    kind: str
    version: int
    language: str
    digest: str

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.version}-{self.language}-{self.digest}.pdf"

    @property
    def etag(self) -> str:
        return f"{self.case_id}-{self.filename.removesuffix('.pdf')}"


def cache_folder() -> Path:
    configured = current_app.config.get("PDF_CACHE_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "pdf-cache"


def _case_folder(case_id: int) -> Path:
    return cache_folder() / str(int(case_id))


def cached_path(key: CacheKey) -> Path | None:
    path = _case_folder(key.case_id) / key.filename
    return path if path.is_file() else None


def read(key: CacheKey) -> bytes | None:
    path = cached_path(key)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except FileNotFoundError:  # removed by a newer version in the meantime
        return None


def write(key: CacheKey, data: bytes) -> Path:
    folder = _case_folder(key.case_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / key.filename
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for older in folder.glob(f"{key.kind}-*-{key.language}-*.pdf"):
        if older.name != key.filename:
            older.unlink(missing_ok=True)
    return target


def forget_case_documents(case_id: int) -> None:
    """Remove every cached document of a case (anonymisation, erasure)."""
    shutil.rmtree(_case_folder(case_id), ignore_errors=True)
