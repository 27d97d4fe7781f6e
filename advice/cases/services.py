"""Case operations: what the web, the CLI and the API all call.

Services change state and flush; the caller commits once per request or command.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from advice.audit import services as audit
from advice.cases.contacts import ContactDetails, find_or_create_contact
from advice.cases.models import Case, CaseEntry, TrackingToken
from advice.cases.references import format_reference, next_reference_number
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
    """Append to the timeline; the case's version moves so cached documents renew."""
    case.entries.append(entry)
    case.version += 1
    db.session.flush()
    return entry
