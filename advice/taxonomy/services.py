"""Seeding and reading the editable taxonomies."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from advice.extensions import db
from advice.regions.services import SeedReport
from advice.taxonomy.models import Channel, RequesterType, TaxonomyTerm, Topic

DEFAULT_TAXONOMY_FILE = Path(__file__).parent / "data" / "taxonomies.json"

MODELS: dict[str, type[TaxonomyTerm]] = {
    "topics": Topic,
    "requester_types": RequesterType,
    "channels": Channel,
}


def load_taxonomies(path: Path, report: SeedReport) -> None:
    """Create the terms the database lacks; labels edited since stay as edited."""
    document: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))
    for kind, model in MODELS.items():
        existing = set(db.session.scalars(select(model.code)))
        for position, (code, label_sv, label_en) in enumerate(document.get(kind, [])):
            if code in existing:
                continue
            db.session.add(
                model(code=code, label_sv=label_sv, label_en=label_en, sort_order=position * 10)
            )
            report.count(kind)
    db.session.flush()


def active_terms(model: type[TaxonomyTerm]) -> list[TaxonomyTerm]:
    return list(
        db.session.scalars(
            select(model).where(model.active.is_(True)).order_by(model.sort_order, model.id)
        )
    )
