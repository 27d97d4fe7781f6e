"""Turning a public submission into a case: whole or not at all, and only once."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
from advice.cases.models import Case, IdempotencyKey
from advice.cases.services import CreatedCase, NewCase, create_case
from advice.extensions import db
from advice.mail.notifications import mail_case_received, notify_new_case
from advice.mail.services import deliver_after_request

# The version of the privacy notice a requester accepts on /ask (or on a municipality's
# e-service, which shows the same notice).
CONSENT_NOTICE_VERSION = "2026-01"


@dataclass
class Submission:
    new_case: NewCase
    uploads: list[CheckedUpload] = field(default_factory=list)
    # The form's one-time key (or an API Idempotency-Key): a retry finds the first case.
    idempotency_key: str | None = None
    # For API calls: a digest of the request, so that a key reused for another is refused.
    request_digest: str | None = None


def case_for_key(key: str) -> Case | None:
    return db.session.scalar(
        select(Case)
        .join(IdempotencyKey, IdempotencyKey.case_id == Case.id)
        .where(IdempotencyKey.key == key)
    )


def key_row(key: str) -> IdempotencyKey | None:
    return db.session.get(IdempotencyKey, key)


def submit(submission: Submission, written: StoredFiles) -> CreatedCase:
    """Create the case with its attachments; the caller commits.

    The idempotency key is inserted first, so a concurrent duplicate fails on its
    primary key (IntegrityError) before it creates anything; the caller then rolls
    back and shows the first case.
    """
    key_row = None
    if submission.idempotency_key:
        key_row = IdempotencyKey(
            key=submission.idempotency_key, request_digest=submission.request_digest
        )
        db.session.add(key_row)
        db.session.flush()
    created = create_case(submission.new_case)
    for upload in submission.uploads:
        store_attachment(created.case, upload, written, by_requester=True)
    if key_row is not None:
        key_row.case_id = created.case.id
    db.session.flush()
    return created


def receive(submission: Submission) -> CreatedCase | None:
    """Create the case, write the receipt to the requester and the notice to the office,
    and commit; the web form and the API both come here.

    Returns None when a concurrent request with the same idempotency key created the case
    first (the caller answers with that case); nothing of this one is kept.
    """
    written = StoredFiles()
    try:
        created = submit(submission, written)
        tracking_url = url_for("tracking.track", token=created.tracking_token, _external=True)
        mail_case_received(created.case, tracking_url)
        notify_new_case(created.case)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        written.discard()
        key = submission.idempotency_key
        if key is None or case_for_key(key) is None:
            raise
        return None
    except BaseException:
        db.session.rollback()
        written.discard()
        raise
    deliver_after_request()
    return created
