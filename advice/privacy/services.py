"""Anonymisation: personal data leaves, the case skeleton stays for statistics.

Two ways lead here, and no other: retention (``run_retention``, daily) and an adviser
granting a requester's erasure request (``grant_erasure``). Retention also
removes audit events older than the region's ``audit_retention_months``, and the
sign-in attempts (an email address and a client address each) once the throttling window
that reads them has passed: the audit log keeps what an investigation needs.

Municipalities remove personal data from case records by their own deletion rules
(gallring), so the period is set for the region and may be overridden per municipality.
What goes: the contact's name, email and phone, the question and every free text of the
timeline, attachments (files deleted from disk), tracking links and queued emails. What
stays: municipality, office, topics, requester type, channel, status, dates, minutes and
satisfaction score, so that every statistic is the same before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, delete, func, select, update

from advice.accounts.models import LoginAttempt, User
from advice.accounts.services import login_failure_window
from advice.attachments.services import upload_folder
from advice.audit import services as audit
from advice.audit.models import AuditEvent
from advice.cases.models import Attachment, Case, CaseEntry, Contact, TrackingToken
from advice.cases.search import reindex_case
from advice.cases.services import add_entry, change_status
from advice.clock import utcnow
from advice.documents.cache import forget_case_documents
from advice.extensions import db
from advice.inbound.services import forget_case_inbound
from advice.mail.notifications import mail_erasure_done
from advice.mail.services import forget_case_mail
from advice.regions.models import Municipality
from advice.regions.services import setting
from advice.validators import parse_integer

REMOVED = "[gallrad]"
DEFAULT_AUDIT_RETENTION_MONTHS = 24


@dataclass
class RetentionReport:
    due: list[str] = field(default_factory=list)
    # Audit events older than the audit log's period: removed, or due in a dry run.
    audit_events: int = 0
    audit_cutoff: datetime | None = None
    # Sign-in attempts older than the throttling window: removed, or due in a dry run.
    login_attempts: int = 0

    @property
    def count(self) -> int:
        return len(self.due)


def anonymise_case(case: Case, *, reason: str, actor_id: int | None = None) -> None:
    """Remove the personal data of one case, in the current transaction."""
    now = utcnow()
    case.question = REMOVED
    case.satisfaction_comment = None
    db.session.execute(
        update(CaseEntry)
        .where(CaseEntry.case_id == case.id, CaseEntry.body.is_not(None))
        .values(body=REMOVED)
        .execution_options(synchronize_session=False)
    )
    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.deleted_at.is_(None))
    ):
        (upload_folder() / attachment.storage_key).unlink(missing_ok=True)
        attachment.deleted_at = now
        attachment.filename = REMOVED
    db.session.execute(delete(TrackingToken).where(TrackingToken.case_id == case.id))
    forget_case_mail(case.id)
    forget_case_inbound(case.id)
    forget_case_documents(case.id)
    case.anonymised_at = now
    case.version += 1
    contact = case.contact
    case.contact_id = None
    # Out of the search index in the same transaction: nothing left to be found by.
    reindex_case(case)
    if contact is not None:
        _anonymise_contact_if_unused(contact, now)
    audit.record(
        "case.anonymised", obj=case, case_id=case.id, actor_id=actor_id, details={"reason": reason}
    )


def _anonymise_contact_if_unused(contact: Contact, now: datetime) -> None:
    """A contact with other, still-kept cases keeps its details for those cases."""
    db.session.flush()
    remaining = db.session.scalar(select(Case.id).where(Case.contact_id == contact.id).limit(1))
    if remaining is not None:
        return
    contact.name = None
    contact.email = None
    contact.email_normalised = None
    contact.phone = None
    contact.phone_normalised = None
    contact.anonymised_at = now


def region_retention_months() -> int:
    """The region's period after closing; a municipality may set its own."""
    return int(setting("retention_months") or 36)


def retention_months_by_municipality() -> dict[int | None, int]:
    """Each municipality's period, falling back to the region's."""
    region = region_retention_months()
    periods: dict[int | None, int] = {None: region}
    for municipality_id, months in db.session.execute(
        select(Municipality.id, Municipality.retention_months)
    ):
        periods[municipality_id] = months or region
    return periods


def cases_due_for_retention(now: datetime | None = None) -> list[Case]:
    """Closed cases whose retention period has passed and that still hold personal data."""
    now = now or utcnow()
    due: list[Case] = []
    for municipality_id, months in retention_months_by_municipality().items():
        cutoff = now - relativedelta(months=months)
        where_municipality = (
            Case.municipality_id.is_(None)
            if municipality_id is None
            else Case.municipality_id == municipality_id
        )
        due.extend(
            db.session.scalars(
                select(Case)
                .where(
                    where_municipality,
                    Case.status == "closed",
                    Case.closed_at < cutoff,
                    Case.anonymised_at.is_(None),
                )
                .order_by(Case.id)
            )
        )
    return due


def audit_retention_months() -> int:
    return parse_integer(setting("audit_retention_months")) or DEFAULT_AUDIT_RETENTION_MONTHS


def purge_audit_events(*, dry_run: bool, now: datetime | None = None) -> tuple[int, datetime]:
    """Remove the audit events older than the audit log's period, all at once.

    The only way an event leaves the log: by age, for everyone alike, never one by one.
    The removal itself is audited. Returns the count and the cutoff.
    """
    cutoff = (now or utcnow()) - relativedelta(months=audit_retention_months())
    count = _remove(AuditEvent, AuditEvent.at < cutoff, dry_run=dry_run)
    if dry_run:
        return count, cutoff
    if count:
        audit.record(
            "audit.events_removed",
            details={"before": cutoff.isoformat(), "count": count},
        )
    return count, cutoff


def purge_login_attempts(*, dry_run: bool, now: datetime | None = None) -> int:
    """Remove the sign-in attempts that throttling no longer reads; returns their count."""
    old = LoginAttempt.at < (now or utcnow()) - login_failure_window()
    return _remove(LoginAttempt, old, dry_run=dry_run)


def _remove(model: type, condition: ColumnElement[bool], *, dry_run: bool) -> int:
    """Delete the rows of ``model`` meeting ``condition`` (in a dry run, count them)."""
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
    result = db.session.execute(
        delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def run_retention(*, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    report = RetentionReport()
    for case in cases_due_for_retention(now):
        report.due.append(case.reference)
        if not dry_run:
            anonymise_case(case, reason="retention")
    report.audit_events, report.audit_cutoff = purge_audit_events(dry_run=dry_run, now=now)
    report.login_attempts = purge_login_attempts(dry_run=dry_run, now=now)
    return report


# --- Erasure requests ---------------------------------------------------------------------


class ErasureError(ValueError):
    """An erasure decision that cannot be made; the message says why."""


def _awaiting_decision(case: Case) -> None:
    if case.anonymised_at is not None:
        raise ErasureError("the case is already anonymised")
    if case.erasure_requested_at is None:
        raise ErasureError("no erasure request awaits a decision")


def grant_erasure(case: Case, by: User) -> None:
    """Anonymise the case now, as the requester asked.

    The adviser has checked that no archiving or deletion rule of the municipality
    requires keeping the data. An open case is closed first (nothing can be answered
    without the question); the skeleton stays for statistics as with retention. The
    requester is told by email, at the address about to be removed, since the tracking
    page goes with the data.
    """
    _awaiting_decision(case)
    contact = case.contact
    recipient = (
        (contact.email, contact.name)
        if contact is not None and contact.anonymised_at is None and contact.email
        else None
    )
    reference, language, office = case.reference, case.language, case.office
    if case.status != "closed":
        change_status(case, by, "closed")
    case.erasure_requested_at = None
    add_entry(
        case,
        CaseEntry(kind="erasure_decision", author_id=by.id, details={"decision": "anonymised"}),
    )
    audit.record("case.erasure_granted", obj=case, case_id=case.id, actor_id=by.id)
    anonymise_case(case, reason="erasure_request", actor_id=by.id)
    if recipient is not None:
        address, name = recipient
        mail_erasure_done(address, name, language, reference, office)


def refuse_erasure(case: Case, by: User, reason: str) -> CaseEntry:
    """Keep the data, with a reason the requester reads on the tracking page and gets
    by email (the caller sends it, with a fresh tracking link)."""
    _awaiting_decision(case)
    reason = reason.strip()
    if not reason:
        raise ErasureError("a refusal needs a reason")
    case.erasure_requested_at = None
    entry = add_entry(
        case,
        CaseEntry(
            kind="erasure_decision",
            is_public=True,
            author_id=by.id,
            body=reason,
            details={"decision": "refused"},
        ),
    )
    audit.record("case.erasure_refused", obj=case, case_id=case.id, actor_id=by.id)
    return entry


def latest_erasure_decision(case: Case) -> CaseEntry | None:
    """The newest decision in the case's (loaded) timeline."""
    decisions = [entry for entry in case.entries if entry.kind == "erasure_decision"]
    return decisions[-1] if decisions else None


def retention_months_for(case: Case) -> int:
    """The period after closing for which the case's municipality keeps personal data."""
    if case.municipality is not None and case.municipality.retention_months:
        return case.municipality.retention_months
    return region_retention_months()
