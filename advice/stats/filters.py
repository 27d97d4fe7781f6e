"""What a statistics request asks for, and what the asker may see.

The coordinator sees the whole region and every office; an adviser sees the cases of their
own offices (the office that holds a case now). Nobody sees personal data: the figures are
counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, Forbidden

from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.stats.periods import Period, parse_period
from advice.stats.queries import Scope
from advice.validators import parse_integer


def sees_whole_region(user: Any) -> bool:
    return user.has_role("coordinator")


@dataclass(frozen=True)
class StatsRequest:
    period: Period
    scope: Scope
    office: Office | None
    municipality: Municipality | None
    whole_region: bool
    own_offices: tuple[Office, ...]

    @property
    def filters_label(self) -> str:
        if self.office is not None:
            offices = _("Kontor: %(name)s", name=self.office.name)
        elif self.whole_region:
            offices = _("Hela regionen")
        else:
            offices = _(
                "Mina kontor: %(names)s",
                names=", ".join(office.name for office in self.own_offices) or "–",
            )
        if self.municipality is None:
            return offices
        return f"{offices} · " + _("Kommun: %(name)s", name=self.municipality.name)

    @property
    def file_parts(self) -> list[str]:
        parts = []
        if self.office is not None:
            parts.append(f"kontor-{self.office.code}")
        elif not self.whole_region:
            parts.append("mina-kontor")
        if self.municipality is not None:
            parts.append(f"kommun-{self.municipality.code}")
        return parts

    def as_args(self, **overrides: Any) -> dict[str, str]:
        args = self.period.as_args()
        if self.office is not None:
            args["office"] = str(self.office.id)
        if self.municipality is not None:
            args["municipality"] = str(self.municipality.id)
        args.update({key: value for key, value in overrides.items() if value is not None})
        return args


def _int_arg(args: MultiDict[str, str], name: str) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    number = parse_integer(value)
    if number is None:
        raise BadRequest(_("Ogiltigt filter."))
    return number


def region_request(
    period: Period, office: Office | None, municipality: Municipality | None
) -> StatsRequest:
    """The whole region's figures (the coordinator's view, and an integration key's),
    narrowed to one office and/or municipality."""
    scope = Scope(
        office_ids=frozenset({office.id}) if office is not None else None,
        municipality_id=municipality.id if municipality is not None else None,
    )
    return StatsRequest(period, scope, office, municipality, True, ())


def resolve_request(args: MultiDict[str, str], user: Any, today: date) -> StatsRequest:
    """Parse the filters; an office outside the user's view is refused (403).

    Raises ``PeriodError`` for a period that does not parse.
    """
    period = parse_period(args.get("period"), args.get("from"), args.get("to"), today)
    whole_region = sees_whole_region(user)
    own = tuple(user.offices)
    office = municipality = None
    office_id = _int_arg(args, "office")
    if office_id is not None:
        office = db.session.get(Office, office_id)
        if office is None:
            raise BadRequest(_("Okänt kontor."))
        if not whole_region and office.id not in user.office_ids:
            raise Forbidden()
    municipality_id = _int_arg(args, "municipality")
    if municipality_id is not None:
        municipality = db.session.get(Municipality, municipality_id)
        if municipality is None:
            raise BadRequest(_("Okänd kommun."))
    if office is not None:
        office_ids: frozenset[int] | None = frozenset({office.id})
    elif whole_region:
        office_ids = None
    else:
        office_ids = frozenset(user.office_ids)
    scope = Scope(office_ids=office_ids, municipality_id=municipality_id)
    return StatsRequest(period, scope, office, municipality, whole_region, own)
