from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

import filetype
from flask import abort, current_app, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from advice.cases.models import Attachment, Case, CaseEntry
from advice.cases.search import reindex_case
from advice.clock import utcnow
from advice.extensions import db

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "application/pdf": ".pdf",
}


class UploadRefused(ValueError):
    """A file that is not stored; the message tells the person why, in their language."""


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content_type: str
    data: bytes


def upload_folder() -> Path:
    configured = current_app.config.get("UPLOAD_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def safe_filename(name: str | None, content_type: str) -> str:
    """Keep a readable name (å ä ö included) without any path or control characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    base = base.strip(" .")[:120]
    return base or f"bilaga{ALLOWED_TYPES[content_type]}"


def check_upload(upload: FileStorage) -> CheckedUpload:
    """Read one upload and recognise it by its content, not its name or declared type."""
    return check_bytes(upload.filename or "", upload.stream.read(MAX_BYTES + 1))


def check_bytes(name: str, data: bytes) -> CheckedUpload:
    """The checks of ``check_upload`` for a file already in memory (an email attachment)."""
    if len(data) > MAX_BYTES:
        raise UploadRefused(_("Filen %(name)s är större än 10 MB och har inte sparats.", name=name))
    if not data:
        raise UploadRefused(_("Filen %(name)s är tom och har inte sparats.", name=name))
    kind = filetype.guess(data)
    content_type = kind.mime if kind else None
    if content_type not in ALLOWED_TYPES:
        raise UploadRefused(
            _(
                "Filen %(name)s är inte en bild (JPEG, PNG, HEIC) eller en PDF och har inte "
                "sparats.",
                name=name,
            )
        )
    return CheckedUpload(safe_filename(name, content_type), content_type, data)


def check_uploads(uploads: list[FileStorage]) -> list[CheckedUpload]:
    """Check every file before anything is stored: one refused file stores none."""
    present = [upload for upload in uploads if upload and upload.filename]
    if len(present) > MAX_FILES:
        raise UploadRefused(_("Du kan bifoga högst %(count)d filer.", count=MAX_FILES))
    return [check_upload(upload) for upload in present]


class StoredFiles:
    """Files written during a request, removed again if its transaction fails."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def discard(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)
        self.paths.clear()


def store_attachment(
    case: Case,
    upload: CheckedUpload,
    written: StoredFiles,
    *,
    entry: CaseEntry | None = None,
    by_requester: bool = False,
    uploaded_by_id: int | None = None,
) -> Attachment:
    now = utcnow()
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}{ALLOWED_TYPES[upload.content_type]}"
    path = upload_folder() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(upload.data)
    written.paths.append(path)
    attachment = Attachment(
        case=case,
        entry_id=entry.id if entry is not None else None,
        filename=upload.filename,
        content_type=upload.content_type,
        size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        storage_key=key,
        uploaded_by_requester=by_requester,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(attachment)
    # Its file name is searched with the case's words.
    reindex_case(case)
    return attachment


def attachment_response(attachment: Attachment) -> Response:
    """The file as a download with a safe type; never rendered inline by the browser."""
    path = upload_folder() / attachment.storage_key
    if attachment.deleted_at is not None or not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
