"""The data-subject export (registerutdrag): everything held about one contact.

Who may export what (the rule; tests/test_subject_export.py holds it):

- An **adviser** exports a contact who has at least one case the adviser may open (a case
  of one of their offices, or assigned to them), and the export holds those cases only.
  Each municipality is the controller of its own cases, so a request is answered by the
  office that holds them, as with every other view of personal data.
- An **admin** exports any contact with all of their cases: for a request that reaches
  the region rather than one office, or spans several offices. Admins see no case
  otherwise; this is the one place they read personal data, and it is audited.
- **Nobody else**: coordinators work with aggregates.

A contact found by nobody's rule "does not exist" for the searcher (404), like a case of
another office. Every lookup and every export is audited, and the export lists the audit
events concerning the contact (earlier exports included).

The export is plain data (``subject_data``), written as JSON and, through the PDF
pipeline of ``advice.pdf``, as a readable document in the contact's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from advice import pdf
from advice.accounts.models import User
from advice.audit.models import AuditEvent
from advice.cases.contacts import normalise_email
from advice.cases.forms import STATUS_LABELS
from advice.cases.models import Case, CaseEntry, Contact, TrackingToken
from advice.cases.search import visible_to
from advice.clock import utcnow
from advice.documents.services import property_details
from advice.extensions import db
from advice.inbound.models import InboundMessage
from advice.mail.models import OutboxMessage

FORMAT = "advice/subject-export/1"


def may_export(user: User | Any) -> bool:
    """Whether the user may search for contacts to export at all."""
    return user.is_authenticated and (user.has_role("adviser") or user.has_role("admin"))


@dataclass(frozen=True)
class ExportScope:
    """A contact and the cases of theirs this user's export covers."""

    contact: Contact
    cases: list[Case]
    whole_region: bool


def find_contact(email: str) -> Contact | None:
    key = normalise_email(email)
    if key is None:
        return None
    return db.session.scalar(
        select(Contact).where(Contact.email_normalised == key, Contact.anonymised_at.is_(None))
    )


def export_scope(user: User, contact: Contact) -> ExportScope | None:
    """What ``user`` may export about ``contact``; None when nothing (see the rule above)."""
    if not may_export(user) or contact.anonymised_at is not None:
        return None
    whole_region = user.has_role("admin")
    query = select(Case).where(Case.contact_id == contact.id)
    if not whole_region:
        query = query.where(visible_to(user))
    cases = list(
        db.session.scalars(
            query.options(
                joinedload(Case.municipality),
                joinedload(Case.office),
                joinedload(Case.requester_type),
                joinedload(Case.channel),
                joinedload(Case.assignee),
                selectinload(Case.topics),
                selectinload(Case.attachments),
                selectinload(Case.entries).options(
                    joinedload(CaseEntry.author),
                    joinedload(CaseEntry.assignee),
                    joinedload(CaseEntry.from_office),
                    joinedload(CaseEntry.to_office),
                ),
            ).order_by(Case.received_at, Case.id)
        ).unique()
    )
    if not cases and not whole_region:
        return None
    return ExportScope(contact=contact, cases=cases, whole_region=whole_region)


# --- Plain data -----------------------------------------------------------------------------


def entry_data(entry: CaseEntry) -> dict[str, Any]:
    """One timeline entry as plain data (also the API's, ``advice.api.staff``)."""
    details = entry.details or {}
    return {
        "kind": entry.kind,
        "at": entry.created_at,
        "shown_to_requester": entry.is_public,
        "author": entry.author.name if entry.author else None,
        "text": entry.body,
        "minutes": entry.minutes,
        "old_status": entry.old_status,
        "new_status": entry.new_status,
        "assignee": entry.assignee.name if entry.assignee else None,
        "from_office": entry.from_office.name if entry.from_office else None,
        "to_office": entry.to_office.name if entry.to_office else None,
        "score": details.get("score"),
        "decision": details.get("decision"),
    }


def _case(
    case: Case,
    language: str,
    tracking: dict[int, list[datetime]],
    emails: dict[int, list[dict[str, Any]]],
    inbound: dict[int, list[dict[str, Any]]],
) -> dict[str, Any]:
    entries = [entry_data(entry) for entry in case.entries]
    return {
        "reference": case.reference,
        "received_at": case.received_at,
        "status": case.status,
        "status_label": str(STATUS_LABELS.get(case.status, case.status)),
        "language": case.language,
        "municipality": case.municipality.name if case.municipality else None,
        "office": case.office.name,
        "assignee": case.assignee.name if case.assignee else None,
        "channel": case.channel.label(language),
        "requester_type": case.requester_type.label(language) if case.requester_type else None,
        "topics": [topic.label(language) for topic in case.topics],
        "property": property_details(case),
        "question": case.question,
        "first_response_at": case.first_response_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "consent": {"at": case.consent_at, "privacy_notice_version": case.consent_notice_version},
        "satisfaction": {"score": case.satisfaction, "comment": case.satisfaction_comment},
        "erasure": {
            "awaiting_decision_since": case.erasure_requested_at,
            "requests": [e for e in entries if e["kind"] == "erasure_request"],
            "decisions": [e for e in entries if e["kind"] == "erasure_decision"],
        },
        "timeline": entries,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size_bytes": item.size_bytes,
                "sha256": item.sha256,
                "from_requester": item.uploaded_by_requester,
                "at": item.created_at,
                "deleted_at": item.deleted_at,
            }
            for item in case.attachments
        ],
        "tracking_links_created": tracking.get(case.id, []),
        "emails_to_requester": emails.get(case.id, []),
        "emails_from_requester": inbound.get(case.id, []),
    }


def _tracking(case_ids: list[int]) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = {}
    if not case_ids:
        return found
    for case_id, created_at in db.session.execute(
        select(TrackingToken.case_id, TrackingToken.created_at)
        .where(TrackingToken.case_id.in_(case_ids))
        .order_by(TrackingToken.created_at)
    ):
        found.setdefault(case_id, []).append(created_at)
    return found


def _emails(case_ids: list[int], address: str | None) -> dict[int, list[dict[str, Any]]]:
    """The emails sent to the contact about these cases (not the advisers' notices)."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not case_ids or not address:
        return found
    for message in db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.case_id.in_(case_ids), OutboxMessage.to_address == address)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ):
        found.setdefault(message.case_id or 0, []).append(
            {
                "subject": message.subject,
                "kind": message.kind,
                "to": message.to_address,
                "queued_at": message.created_at,
                "sent_at": message.sent_at,
                "status": message.status,
            }
        )
    return found


def _inbound(case_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if not case_ids:
        return found
    for message in db.session.scalars(
        select(InboundMessage)
        .where(InboundMessage.case_id.in_(case_ids))
        .order_by(InboundMessage.received_at, InboundMessage.id)
    ):
        found.setdefault(message.case_id or 0, []).append(
            {"from": message.sender, "subject": message.subject, "received_at": message.received_at}
        )
    return found


def _audit_events(contact: Contact, cases: list[Case]) -> list[dict[str, Any]]:
    """Who did or viewed what with the contact's cases, and with the contact itself.

    Staff are named (the data subject may know who processed their data); their network
    addresses are staff's own personal data and stay out.
    """
    references = {case.id: case.reference for case in cases}
    about_contact = and_(
        AuditEvent.object_type == "Contact", AuditEvent.object_id == str(contact.id)
    )
    condition = about_contact
    if references:
        condition = or_(AuditEvent.case_id.in_(list(references)), about_contact)
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(condition)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        {
            "at": event.at,
            "action": event.action,
            "by": name or event.actor_label,
            "case": references.get(event.case_id or 0),
        }
        for event, name in rows
    ]


def subject_data(scope: ExportScope, generated_by: User, language: str) -> dict[str, Any]:
    """The export as plain data (datetimes stay datetimes; ``to_json`` writes them)."""
    contact = scope.contact
    case_ids = [case.id for case in scope.cases]
    tracking = _tracking(case_ids)
    emails = _emails(case_ids, contact.email)
    inbound = _inbound(case_ids)
    with force_locale(language):
        cases = [_case(case, language, tracking, emails, inbound) for case in scope.cases]
    return {
        "format": FORMAT,
        "generated_at": utcnow(),
        "generated_by": generated_by.name,
        "scope": "region" if scope.whole_region else "offices",
        "offices": sorted({case.office.name for case in scope.cases}),
        "contact": {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "language": contact.language,
            "created_at": contact.created_at,
        },
        "cases": cases,
        "audit_events": _audit_events(contact, scope.cases),
    }


def _json_value(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_value).encode("utf-8")


def to_pdf(data: dict[str, Any], language: str) -> bytes:
    """The export as a readable document, through the same renderer (and the same
    restricted URL fetcher) as the case documents."""
    with force_locale(language):
        metadata = pdf.PdfMetadata(
            title=_("Registerutdrag för %(name)s", name=data["contact"]["name"] or "–"),
            author=", ".join(data["offices"]) or _("Energi- och klimatrådgivning"),
            language=language,
            subject=_("Personuppgifter som behandlas om dig – innehåller personuppgifter"),
        )
    return pdf.render("pdf/subject_export.html", {"export": data}, metadata)


def filename(contact: Contact, extension: str) -> str:
    return f"registerutdrag-{contact.id}-{utcnow().date().isoformat()}.{extension}"
