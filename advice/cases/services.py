"""Case operations: what the web, the CLI and the API all call.

Services change state and flush; the caller commits once per request or command.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update

from advice.accounts.models import User
from advice.audit import services as audit
from advice.cases.contacts import ContactDetails, find_or_create_contact
from advice.cases.models import STATUSES, Case, CaseEntry, TrackingToken
from advice.cases.references import format_reference, next_reference_number
from advice.cases.search import INDEXED_ENTRY_KINDS, reindex_case
from advice.cases.sla import LOCAL_ZONE, first_response_due
from advice.clock import utcnow
from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.regions.services import setting
from advice.taxonomy.models import Channel, Topic


class CaseError(ValueError):
    """An operation on a case that cannot be carried out; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_tracking_token() -> str:
    # 32 bytes: 256 bits of randomness, far beyond guessing.
    return secrets.token_urlsafe(32)


@dataclass
class NewCase:
    """Everything a new case may carry; intake, staff logging and the API fill it."""

    question: str
    channel_code: str
    municipality_id: int | None = None
    office_id: int | None = None
    requester_type_id: int | None = None
    topic_ids: list[int] = field(default_factory=list)
    contact: ContactDetails | None = None
    language: str = "sv"
    property_type: str | None = None
    year_built: int | None = None
    heated_area_m2: int | None = None
    heating_system: str | None = None
    consent_notice_version: str | None = None
    received_at: datetime | None = None
    created_by_id: int | None = None
    # An adviser logging their own contact takes the case at once.
    assignee_id: int | None = None


@dataclass(frozen=True)
class CreatedCase:
    case: Case
    # Shown once to the requester and emailed; only its hash is stored.
    tracking_token: str


def create_case(new: NewCase) -> CreatedCase:
    """Store a new case, routed to the office that covers its municipality."""
    channel = db.session.scalar(select(Channel).where(Channel.code == new.channel_code))
    if channel is None:
        raise CaseError(f"unknown channel {new.channel_code!r}")
    office_id = new.office_id
    if new.municipality_id is not None:
        municipality = db.session.get(Municipality, new.municipality_id)
        if municipality is None:
            raise CaseError("unknown municipality")
        office_id = office_id or municipality.office_id
    if office_id is None or db.session.get(Office, office_id) is None:
        raise CaseError("a case needs a municipality or an office")
    topics = list(db.session.scalars(select(Topic).where(Topic.id.in_(new.topic_ids))))
    if len(topics) != len(set(new.topic_ids)):
        raise CaseError("unknown topic")

    received_at = new.received_at or utcnow()
    year = received_at.astimezone(LOCAL_ZONE).year
    number = next_reference_number(year)
    contact = find_or_create_contact(new.contact) if new.contact else None
    case = Case(
        reference=format_reference(setting("reference_prefix"), year, number),
        reference_year=year,
        reference_number=number,
        municipality_id=new.municipality_id,
        office_id=office_id,
        contact=contact,
        requester_type_id=new.requester_type_id,
        channel=channel,
        created_by_id=new.created_by_id,
        assignee_id=new.assignee_id,
        status="new",
        language=new.language,
        question=new.question,
        property_type=new.property_type,
        year_built=new.year_built,
        heated_area_m2=new.heated_area_m2,
        heating_system=new.heating_system,
        received_at=received_at,
        first_response_due_at=first_response_due(
            received_at, int(setting("sla_working_days") or 2)
        ),
        consent_at=received_at if new.consent_notice_version else None,
        consent_notice_version=new.consent_notice_version,
    )
    case.topics = topics
    db.session.add(case)
    db.session.flush()
    reindex_case(case)
    token = mint_tracking_token(case)
    audit.record(
        "case.created",
        obj=case,
        case_id=case.id,
        actor_id=new.created_by_id,
        actor_label=None if new.created_by_id else "requester",
    )
    return CreatedCase(case=case, tracking_token=token)


def mint_tracking_token(case: Case) -> str:
    """A new private link for an email to the requester; earlier links stay valid."""
    token = new_tracking_token()
    db.session.add(TrackingToken(token_hash=hash_token(token), case_id=case.id))
    return token


def add_entry(case: Case, entry: CaseEntry) -> CaseEntry:
    """Append to the timeline; the case's version moves so cached documents renew.

    Text to search, a new assignee or another office: the search index follows at once.
    """
    case.entries.append(entry)
    case.version += 1
    db.session.flush()
    if (entry.body and entry.kind in INDEXED_ENTRY_KINDS) or entry.kind in (
        "assignment",
        "transfer",
    ):
        reindex_case(case)
    return entry


# --- The workflow on a case -------------------------------------------------------------


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    holder: User | None


def _status_entry(case: Case, new_status: str, author_id: int | None) -> None:
    if case.status == new_status:
        return
    old_status = case.status
    now = utcnow()
    case.status = new_status
    if new_status == "resolved":
        case.resolved_at = now
    elif new_status == "closed":
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
    elif old_status in ("resolved", "closed"):
        case.resolved_at = None
        case.closed_at = None
    add_entry(
        case,
        CaseEntry(
            kind="status_change",
            author_id=author_id,
            old_status=old_status,
            new_status=new_status,
        ),
    )


def claim(case: Case, user: User) -> ClaimResult:
    """Take an unassigned case. Of two advisers claiming at once, exactly one wins.

    A conditional UPDATE, not a read-then-write: the database decides, and the loser's
    update matches no row.
    """
    result = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.assignee_id.is_(None))
        .values(assignee_id=user.id, version=Case.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(case)
    if result.rowcount != 1:
        return ClaimResult(won=False, holder=case.assignee)
    add_entry(case, CaseEntry(kind="assignment", author_id=user.id, assignee_id=user.id))
    if case.status == "new":
        _status_entry(case, "assigned", user.id)
    audit.record("case.claimed", obj=case, case_id=case.id, actor_id=user.id)
    return ClaimResult(won=True, holder=user)


def assign(case: Case, assignee: User, by: User) -> None:
    if not assignee.active or case.office_id not in assignee.office_ids:
        raise CaseError("the assignee must be an active adviser of the case's office")
    case.assignee_id = assignee.id
    add_entry(case, CaseEntry(kind="assignment", author_id=by.id, assignee_id=assignee.id))
    if case.status == "new":
        _status_entry(case, "assigned", by.id)
    audit.record("case.assigned", obj=case, case_id=case.id, details={"assignee": assignee.id})


def reply_to_requester(
    case: Case, author: User, body: str, minutes: int = 0, new_status: str | None = None
) -> CaseEntry:
    """An answer the requester sees on the tracking page and gets by email."""
    if case.assignee_id is None:
        case.assignee_id = author.id
    entry = add_entry(
        case,
        CaseEntry(kind="reply", is_public=True, author_id=author.id, body=body, minutes=minutes),
    )
    case.first_response_at = case.first_response_at or entry.created_at or utcnow()
    case.minutes_spent += minutes
    if new_status is None:
        new_status = "in_progress" if case.status in ("new", "assigned") else case.status
    _status_entry(case, new_status, author.id)
    audit.record("case.replied", obj=case, case_id=case.id)
    return entry


def add_note(case: Case, author: User, body: str, minutes: int = 0) -> CaseEntry:
    entry = add_entry(case, CaseEntry(kind="note", author_id=author.id, body=body, minutes=minutes))
    case.minutes_spent += minutes
    audit.record("case.note_added", obj=case, case_id=case.id)
    return entry


def log_contact(case: Case, author: User, kind: str, body: str, minutes: int) -> CaseEntry:
    """A phone call or visit about the case; it counts as a first response."""
    if kind not in ("call", "visit"):
        raise CaseError("a logged contact is a call or a visit")
    entry = add_entry(case, CaseEntry(kind=kind, author_id=author.id, body=body, minutes=minutes))
    case.minutes_spent += minutes
    case.first_response_at = case.first_response_at or utcnow()
    audit.record("case.contact_logged", obj=case, case_id=case.id, details={"kind": kind})
    return entry


def change_status(case: Case, by: User, new_status: str) -> None:
    if new_status not in STATUSES:
        raise CaseError(f"unknown status {new_status!r}")
    _status_entry(case, new_status, by.id)
    audit.record("case.status_changed", obj=case, case_id=case.id, details={"status": new_status})


def transfer(case: Case, by: User, to_office: Office, reason: str) -> CaseEntry:
    """Hand the case to another office; it enters that office's queue unassigned."""
    if to_office.id == case.office_id:
        raise CaseError("the case is already at that office")
    from_office_id = case.office_id
    case.office_id = to_office.id
    case.assignee_id = None
    entry = add_entry(
        case,
        CaseEntry(
            kind="transfer",
            author_id=by.id,
            body=reason,
            from_office_id=from_office_id,
            to_office_id=to_office.id,
        ),
    )
    if case.status != "new":
        _status_entry(case, "new", by.id)
    audit.record(
        "case.transferred",
        obj=case,
        case_id=case.id,
        details={"from": from_office_id, "to": to_office.id},
    )
    return entry


def requester_message(case: Case, body: str) -> CaseEntry:
    """A message from the requester; a resolved case opens again for the adviser."""
    entry = add_entry(case, CaseEntry(kind="citizen_message", is_public=True, body=body))
    if case.status in ("resolved", "closed", "waiting"):
        _status_entry(case, "in_progress" if case.assignee_id else "new", None)
    audit.record("case.requester_message", obj=case, case_id=case.id, actor_label="requester")
    return entry


def record_satisfaction(case: Case, score: int, comment: str | None) -> None:
    if case.status not in ("resolved", "closed"):
        raise CaseError("satisfaction is asked once the case is resolved")
    if not 1 <= score <= 5:
        raise CaseError("the score is 1 to 5")
    case.satisfaction = score
    case.satisfaction_comment = comment or None
    add_entry(case, CaseEntry(kind="satisfaction", details={"score": score}, body=comment or None))
    audit.record("case.satisfaction", obj=case, case_id=case.id, actor_label="requester")


def request_erasure(case: Case, reason: str | None, *, by: User | None = None) -> None:
    """Recorded for an adviser of the office, who decides under the municipality's
    deletion rules (advice.privacy.services). From the tracking page, or registered by
    an adviser (``by``) when the requester asked by phone, letter or at the office."""
    case.erasure_requested_at = case.erasure_requested_at or utcnow()
    add_entry(
        case,
        CaseEntry(
            kind="erasure_request",
            body=reason or None,
            author_id=by.id if by else None,
            details={"registered_by_staff": True} if by else None,
        ),
    )
    audit.record(
        "case.erasure_requested",
        obj=case,
        case_id=case.id,
        actor_id=by.id if by else None,
        actor_label=None if by else "requester",
    )
