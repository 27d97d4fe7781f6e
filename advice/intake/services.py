"""Turning a public submission into a case: whole or not at all, and only once."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
from advice.cases.models import Case, IdempotencyKey
from advice.cases.services import CreatedCase, NewCase, create_case
from advice.extensions import db


@dataclass
class Submission:
    new_case: NewCase
    uploads: list[CheckedUpload] = field(default_factory=list)
    # The form's one-time key (or an API Idempotency-Key): a retry finds the first case.
    idempotency_key: str | None = None


def case_for_key(key: str) -> Case | None:
    return db.session.scalar(
        select(Case)
        .join(IdempotencyKey, IdempotencyKey.case_id == Case.id)
        .where(IdempotencyKey.key == key)
    )


def submit(submission: Submission, written: StoredFiles) -> CreatedCase:
    """Create the case with its attachments; the caller commits.

    The idempotency key is inserted first, so a concurrent duplicate fails on its
    primary key (IntegrityError) before it creates anything; the caller then rolls
    back and shows the first case.
    """
    key_row = None
    if submission.idempotency_key:
        key_row = IdempotencyKey(key=submission.idempotency_key)
        db.session.add(key_row)
        db.session.flush()
    created = create_case(submission.new_case)
    for upload in submission.uploads:
        store_attachment(created.case, upload, written, by_requester=True)
    if key_row is not None:
        key_row.case_id = created.case.id
    db.session.flush()
    return created
