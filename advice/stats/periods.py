"""Statistics periods: a month, a quarter, a year or a custom range of days.

A period is a half-open range of local (Swedish) calendar days. Its bounds as UTC instants
are what the queries compare ``received_at`` with, so a case received at 23:30 on
31 March, local time, belongs to March even though it is 21:30 or 22:30 UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from advice.cases.sla import LOCAL_ZONE

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Custom ranges are capped so one request cannot ask for centuries of months.
MAX_CUSTOM_DAYS = 366 * 10
EARLIEST_YEAR = 2000


class PeriodError(ValueError):
    """A period in the address that does not parse; the message says why."""


def local_midnight(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Swedish local time."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE).astimezone(UTC)


def local_month(moment: datetime) -> date:
    """The first day of the local month ``moment`` falls in."""
    local = moment.astimezone(LOCAL_ZONE)
    return date(local.year, local.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from ``start``'s month up to, not including, ``end``."""
    months = []
    month = date(start.year, start.month, 1)
    while month < end:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Period:
    """Local days ``start`` (inclusive) to ``end`` (exclusive)."""

    kind: str  # "year", "quarter", "month" or "custom"
    start: date
    end: date

    @property
    def key(self) -> str:
        """The value in the address and in file names: 2026, 2026-Q1, 2026-03, custom."""
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return "custom"

    @property
    def slug(self) -> str:
        if self.kind == "custom":
            return f"{self.start:%Y-%m-%d}_{self.last_day:%Y-%m-%d}"
        return self.key

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_utc(self) -> datetime:
        return local_midnight(self.end)

    @property
    def months(self) -> list[date]:
        """Every month the period touches, in order."""
        return months_between(self.start, self.end)

    @property
    def whole_months(self) -> tuple[date, date] | None:
        """The first and the past-the-end month of the months wholly inside the period."""
        first = self.start if self.start.day == 1 else next_month(self.start)
        last = date(self.end.year, self.end.month, 1)
        return (first, last) if first < last else None

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return _(
                "kvartal %(quarter)d %(year)d",
                quarter=(self.start.month - 1) // 3 + 1,
                year=self.start.year,
            )
        if self.kind == "month":
            return format_date(self.start, "LLLL y")
        return f"{format_date(self.start, 'd MMM y')} – {format_date(self.last_day, 'd MMM y')}"

    def as_args(self) -> dict[str, str]:
        if self.kind == "custom":
            return {
                "period": "custom",
                "from": self.start.isoformat(),
                "to": self.last_day.isoformat(),
            }
        return {"period": self.key}


def year_period(year: int) -> Period:
    return Period("year", date(year, 1, 1), date(year + 1, 1, 1))


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return Period("quarter", start, next_month(next_month(next_month(start))))


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period("month", start, next_month(start))


def _year_in_range(year: int) -> int:
    if not EARLIEST_YEAR <= year <= 2100:
        raise PeriodError(_("Året ligger utanför det som går att visa."))
    return year


def parse_period(value: str | None, start: str | None, end: str | None, today: date) -> Period:
    """A period from the address; nothing given means this year."""
    value = (value or "").strip()
    if not value:
        return year_period(today.year)
    if match := _YEAR.match(value):
        return year_period(_year_in_range(int(match[1])))
    if match := _QUARTER.match(value):
        return quarter_period(_year_in_range(int(match[1])), int(match[2]))
    if match := _MONTH.match(value):
        return month_period(_year_in_range(int(match[1])), int(match[2]))
    if value != "custom":
        raise PeriodError(_("Okänd period."))
    try:
        first = date.fromisoformat((start or "").strip())
        last = date.fromisoformat((end or "").strip())
    except ValueError as error:
        raise PeriodError(_("Ange datum som ÅÅÅÅ-MM-DD.")) from error
    if last < first:
        raise PeriodError(_("Slutdatumet ligger före startdatumet."))
    _year_in_range(first.year)
    _year_in_range(last.year)
    if (last - first).days > MAX_CUSTOM_DAYS:
        raise PeriodError(_("Välj en period på högst tio år."))
    return Period("custom", first, last + timedelta(days=1))


def period_choices(first_year: int, today: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for the period menu: years, quarters and months, newest first."""
    years = list(range(today.year, min(first_year, today.year) - 1, -1))
    year_choices = [(str(year), str(year)) for year in years]
    quarter_choices = []
    month_choices = []
    for year in years:
        for quarter in range(4, 0, -1):
            period = quarter_period(year, quarter)
            if period.start <= today:
                quarter_choices.append((period.key, period.label))
        for month in range(12, 0, -1):
            period = month_period(year, month)
            if period.start <= today:
                month_choices.append((period.key, period.label))
    return [
        (_("År"), year_choices),
        (_("Kvartal"), quarter_choices),
        (_("Månad"), month_choices),
    ]
