"""Helpers that build domain objects inside an app context for tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from advice.cases.contacts import ContactDetails
from advice.cases.services import CreatedCase, NewCase, create_case
from advice.extensions import db
from advice.regions.models import Municipality
from advice.taxonomy.models import RequesterType, Topic


def municipality_id(code: str = "0180") -> int:
    return db.session.scalars(select(Municipality.id).where(Municipality.code == code)).one()


def topic_id(code: str = "heating") -> int:
    return db.session.scalars(select(Topic.id).where(Topic.code == code)).one()


def requester_type_id(code: str = "private_house") -> int:
    return db.session.scalars(select(RequesterType.id).where(RequesterType.code == code)).one()


def new_case(**overrides: Any) -> CreatedCase:
    """Create a web-form case in Stockholm about heating; keywords override any field."""
    values: dict[str, Any] = {
        "question": "Vi funderar på att byta direktverkande el mot en luft/vatten-värmepump.",
        "channel_code": "web",
        "municipality_id": municipality_id(overrides.pop("municipality_code", "0180")),
        "requester_type_id": requester_type_id(),
        "topic_ids": [topic_id()],
        "contact": ContactDetails(
            name="Åsa Öberg", email="asa.oberg@example.com", phone="070-123 45 67"
        ),
        "consent_notice_version": "2026-01",
    }
    values.update(overrides)
    created = create_case(NewCase(**values))
    db.session.flush()
    return created
