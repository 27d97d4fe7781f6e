"""Anonymisation: personal data leaves, the case skeleton stays for statistics.

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
from sqlalchemy import delete, select, update

from advice.attachments.services import upload_folder
from advice.audit import services as audit
from advice.cases.models import Attachment, Case, CaseEntry, Contact, TrackingToken
from advice.cases.search import reindex_case
from advice.clock import utcnow
from advice.documents.cache import forget_case_documents
from advice.extensions import db
from advice.inbound.services import forget_case_inbound
from advice.mail.services import forget_case_mail
from advice.regions.models import Municipality
from advice.regions.services import setting

REMOVED = "[gallrad]"


@dataclass
class RetentionReport:
    due: list[str] = field(default_factory=list)

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


def retention_months_by_municipality() -> dict[int | None, int]:
    """Each municipality's period, falling back to the region's."""
    region = int(setting("retention_months") or 36)
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


def run_retention(*, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    report = RetentionReport()
    for case in cases_due_for_retention(now):
        report.due.append(case.reference)
        if not dry_run:
            anonymise_case(case, reason="retention")
    return report
