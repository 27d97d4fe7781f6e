"""Choices for form fields, in the visitor's language."""

from __future__ import annotations

from sqlalchemy import select

from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.taxonomy.models import TaxonomyTerm, label_attribute


def term_choices(model: type[TaxonomyTerm], language: str) -> list[tuple[str, str]]:
    label = getattr(model, label_attribute(language))
    rows = db.session.execute(
        select(model.id, label).where(model.active.is_(True)).order_by(model.sort_order, model.id)
    )
    return [(str(term_id), text) for term_id, text in rows]


def municipality_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Municipality.id, Municipality.name).order_by(Municipality.name)
    )
    return [(str(mid), name) for mid, name in rows]


def office_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Office.id, Office.name).where(Office.active.is_(True)).order_by(Office.name)
    )
    return [(str(oid), name) for oid, name in rows]
