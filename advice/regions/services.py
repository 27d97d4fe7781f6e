"""Loading a region from its data file, and reading region-wide settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from advice.extensions import db
from advice.regions.models import Municipality, Office, RegionSetting

DEFAULT_REGION_FILE = Path(__file__).parent / "data" / "stockholms-lan.json"

# Settings a region starts with; the coordinator edits them later.
SETTING_DEFAULTS: dict[str, str] = {
    "region_name": "",
    "coordinator_name": "",
    "coordinator_email": "",
    "reference_prefix": "EK",
    "sla_working_days": "2",
    "retention_months": "36",
    "audit_retention_months": "24",
    "totp_required_roles": "",
}


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n

    @property
    def total(self) -> int:
        return sum(self.created.values())


def load_region(path: Path, report: SeedReport) -> None:
    """Create what the region file describes and the database lacks.

    Existing rows are left as they are: the coordinator may have renamed an office or
    moved a municipality, and seeding again must not undo that.
    """
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    offices = {office.code: office for office in db.session.scalars(select(Office))}
    office_for_municipality: dict[str, Office] = {}
    for spec in document["offices"]:
        office = offices.get(spec["code"])
        if office is None:
            office = Office(
                code=spec["code"],
                name=spec["name"],
                email=spec.get("email"),
                phone=spec.get("phone"),
                address=spec.get("address"),
                website=spec.get("website"),
            )
            db.session.add(office)
            offices[office.code] = office
            report.count("offices")
        for code in spec["municipalities"]:
            office_for_municipality[code] = office
    existing = set(db.session.scalars(select(Municipality.code)))
    for spec in document["municipalities"]:
        if spec["code"] in existing:
            continue
        office = office_for_municipality.get(spec["code"])
        if office is None:
            raise ValueError(f"municipality {spec['code']} is covered by no office in {path}")
        db.session.add(Municipality(code=spec["code"], name=spec["name"], office=office))
        report.count("municipalities")
    region = document.get("region", {})
    stored = set(db.session.scalars(select(RegionSetting.key)))
    for key, default in SETTING_DEFAULTS.items():
        if key not in stored:
            db.session.add(RegionSetting(key=key, value=str(region.get(key, default))))
            report.count("settings")
    db.session.flush()


def setting(key: str) -> str:
    value = db.session.scalar(select(RegionSetting.value).where(RegionSetting.key == key))
    return value if value is not None else SETTING_DEFAULTS.get(key, "")


def region_profile() -> dict[str, str]:
    rows = db.session.execute(select(RegionSetting.key, RegionSetting.value))
    stored = {key: value for key, value in rows}
    return {key: stored.get(key, default) for key, default in SETTING_DEFAULTS.items()}
