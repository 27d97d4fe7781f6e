"""What advisers and requesters are emailed, each in the recipient's own language.

Every function here queues messages in the current transaction (see ``services``) and
commits nothing: call them in the same unit of work as the change they announce.

Adviser notifications never carry the requester's personal data or question text:
email is not a safe channel for it, so they name the case and link to it, and the
adviser signs in to read the rest. Requester emails go to the address the requester
gave, in the case's language, with the private tracking link the caller passes in
(only its hash is stored, so it cannot be rebuilt here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from advice.accounts.models import User, UserRole
from advice.accounts.services import advisers_of_office
from advice.clock import utcnow
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.mail.rendering import render_mail
from advice.mail.services import MailAttachment, queue_mail
from advice.regions.models import Office
from advice.regions.services import setting

if TYPE_CHECKING:
    # advice.cases imports its views, and the intake views import this module.
    from advice.cases.models import Case

DIGEST_PERIOD = timedelta(hours=24)
# A digest is a daily thing: a second run of the command within this time sends nothing
# to advisers who already got theirs.
DIGEST_REPEAT_GUARD = timedelta(hours=20)


@dataclass(frozen=True)
class CaseSummary:
    """The facts about a case an adviser may be emailed: nothing about the requester."""

    reference: str
    municipality: str | None
    office: str
    topics: list[str]
    channel: str
    received_at: datetime
    first_response_due_at: datetime
    url: str


def case_url(reference: str) -> str:
    """The staff page of a case, as an absolute URL where one can be built.

    Outside a request (commands), an absolute URL needs ``SERVER_NAME`` (and
    ``PREFERRED_URL_SCHEME``) in the configuration; without it the link is a path.
    """
    try:
        return url_for("cases.case_page", reference=reference, _external=True)
    except (BuildError, RuntimeError):
        pass
    path = f"/cases/{quote(reference)}"
    if has_request_context():
        return request.url_root.rstrip("/") + path
    server = current_app.config.get("SERVER_NAME")
    if server:
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "https"
        root = str(current_app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{scheme}://{server}{root}{path}"
    return path


def summarise(case: Case, language: str) -> CaseSummary:
    return CaseSummary(
        reference=case.reference,
        municipality=case.municipality.name if case.municipality else None,
        office=case.office.name,
        topics=[topic.label(language) for topic in case.topics],
        channel=case.channel.label(language),
        received_at=case.received_at,
        first_response_due_at=case.first_response_due_at,
        url=case_url(case.reference),
    )


# Advisers ----------------------------------------------------------------------------


def advisers_to_notify(office_id: int, preference: str) -> list[User]:
    """Active advisers of the office whose notification setting is ``preference``."""
    return advisers_of_office(office_id, notify=preference)


def notify_new_case(case: Case) -> list[OutboxMessage]:
    """Tell the office's advisers (setting "each") that a case has arrived.

    The adviser who logged the case is not told about it.
    """
    messages = []
    for adviser in advisers_to_notify(case.office_id, "each"):
        if adviser.id == case.created_by_id:
            continue
        rendered = render_mail(
            "new_case",
            adviser.language,
            recipient_name=adviser.name,
            case=summarise(case, adviser.language),
        )
        messages.append(
            queue_mail(adviser.email, rendered, kind="new_case_notification", case_id=case.id)
        )
    return messages


def notify_transferred(case: Case, from_office: Office) -> list[OutboxMessage]:
    """Tell the advisers of the office that now holds the case (setting "each")."""
    messages = []
    for adviser in advisers_to_notify(case.office_id, "each"):
        rendered = render_mail(
            "case_transferred",
            adviser.language,
            recipient_name=adviser.name,
            case=summarise(case, adviser.language),
            from_office=from_office.name,
        )
        messages.append(
            queue_mail(adviser.email, rendered, kind="transfer_notification", case_id=case.id)
        )
    return messages


def notify_requester_replied(case: Case) -> OutboxMessage | None:
    """Tell the adviser who holds the case that the requester wrote (a resolved case reopens).

    Unassigned cases are back in the office's queue, where they are seen anyway.
    """
    adviser = case.assignee
    if adviser is None or not adviser.active or adviser.notify == "none":
        return None
    rendered = render_mail(
        "requester_replied",
        adviser.language,
        recipient_name=adviser.name,
        case=summarise(case, adviser.language),
    )
    return queue_mail(adviser.email, rendered, kind="requester_replied", case_id=case.id)


def send_daily_digests(now: datetime | None = None) -> int:
    """Queue one email per adviser with the "daily" setting listing the new, unassigned
    cases their offices received in the 24 hours before ``now``; returns how many.

    Advisers with nothing new get nothing. Run once a day, e.g. from a timer at 07:00.
    """
    from advice.cases.models import Case

    now = now or utcnow()
    advisers = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "adviser", User.active.is_(True), User.notify == "daily")
            .order_by(User.id)
        ).unique()
    )
    office_ids = {office_id for adviser in advisers for office_id in adviser.office_ids}
    if not office_ids:
        return 0
    cases = list(
        db.session.scalars(
            select(Case)
            .where(
                Case.office_id.in_(office_ids),
                Case.status == "new",
                Case.assignee_id.is_(None),
                Case.received_at > now - DIGEST_PERIOD,
                Case.received_at <= now,
            )
            .options(
                joinedload(Case.municipality),
                joinedload(Case.office),
                joinedload(Case.channel),
                selectinload(Case.topics),
            )
            .order_by(Case.received_at, Case.id)
        )
    )
    already_sent = set(
        db.session.scalars(
            select(OutboxMessage.to_address).where(
                OutboxMessage.kind == "daily_digest",
                OutboxMessage.created_at > now - DIGEST_REPEAT_GUARD,
            )
        )
    )
    queued = 0
    for adviser in advisers:
        mine = [case for case in cases if case.office_id in adviser.office_ids]
        if not mine or adviser.email in already_sent:
            continue
        rendered = render_mail(
            "daily_digest",
            adviser.language,
            recipient_name=adviser.name,
            cases=[summarise(case, adviser.language) for case in mine],
            now=now,
        )
        queue_mail(adviser.email, rendered, kind="daily_digest")
        queued += 1
    return queued


# Requesters --------------------------------------------------------------------------


def _requester_address(case: Case) -> str | None:
    contact = case.contact
    if contact is None or contact.anonymised_at is not None or not contact.email:
        return None
    return contact.email


def _requester_context(case: Case, tracking_url: str) -> dict[str, Any]:
    return {
        "recipient_name": case.contact.name if case.contact else None,
        "reference": case.reference,
        "tracking_url": tracking_url,
        "office": case.office,
    }


def mail_case_received(case: Case, tracking_url: str) -> OutboxMessage | None:
    """The receipt: reference, private link, when to expect an answer, the question.

    Returns None when the case has no email address to write to.
    """
    address = _requester_address(case)
    if address is None:
        return None
    rendered = render_mail(
        "case_received",
        case.language,
        **_requester_context(case, tracking_url),
        question=case.question,
        working_days=int(setting("sla_working_days") or 2),
        first_response_due_at=case.first_response_due_at,
    )
    return queue_mail(address, rendered, kind="case_received", case_id=case.id)


def mail_reply(
    case: Case, reply_text: str, tracking_url: str, *, adviser_name: str | None = None
) -> OutboxMessage | None:
    """The adviser's answer, with the link to reply or add files on the tracking page."""
    address = _requester_address(case)
    if address is None:
        return None
    rendered = render_mail(
        "reply",
        case.language,
        **_requester_context(case, tracking_url),
        reply_text=reply_text,
        adviser_name=adviser_name,
    )
    return queue_mail(address, rendered, kind="reply", case_id=case.id)


def mail_case_resolved(
    case: Case, tracking_url: str, satisfaction_urls: dict[int, str]
) -> OutboxMessage | None:
    """The case is resolved: one link per satisfaction score (1 to 5), and the case link."""
    address = _requester_address(case)
    if address is None:
        return None
    rendered = render_mail(
        "case_resolved",
        case.language,
        **_requester_context(case, tracking_url),
        satisfaction_urls=sorted(satisfaction_urls.items()),
    )
    return queue_mail(address, rendered, kind="case_resolved", case_id=case.id)


def mail_summary(
    case: Case, pdf_bytes: bytes, filename: str, tracking_url: str
) -> OutboxMessage | None:
    """The summary of the advice as a PDF attachment, with the link to the case."""
    address = _requester_address(case)
    if address is None:
        return None
    rendered = render_mail("summary", case.language, **_requester_context(case, tracking_url))
    return queue_mail(
        address,
        rendered,
        kind="summary",
        case_id=case.id,
        attachments=[MailAttachment(filename, "application/pdf", pdf_bytes)],
    )


def mail_erasure_refused(case: Case, reason: str, tracking_url: str) -> OutboxMessage | None:
    """An erasure request was refused: the adviser's reason, and the case link."""
    address = _requester_address(case)
    if address is None:
        return None
    rendered = render_mail(
        "erasure_refused", case.language, **_requester_context(case, tracking_url), reason=reason
    )
    return queue_mail(address, rendered, kind="erasure_refused", case_id=case.id)


def mail_erasure_done(
    address: str, name: str | None, language: str, reference: str, office: Office
) -> OutboxMessage:
    """An erasure request was granted. Called with the details taken before they were
    removed; the message is the last thing sent to the address, and the outbox forgets
    it with the other delivered messages."""
    rendered = render_mail(
        "erasure_done", language, recipient_name=name, reference=reference, office=office
    )
    return queue_mail(address, rendered, kind="erasure_done")
