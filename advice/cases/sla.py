"""Service level: the first response is due N working days after receipt.

Working days skip weekends, Swedish public holidays and the customary days off
(Midsummer Eve, Christmas Eve, New Year's Eve), which the holidays library includes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    return frozenset(holidays.SE(years=year, include_sundays=False))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(start: date, days: int) -> date:
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def first_response_due(received_at: datetime, working_days: int) -> datetime:
    """The end (23:59:59 local time) of the Nth working day after the day of receipt.

    A question that arrives on a weekend or holiday is treated as received on the
    next working day's morning, so it gets its full N working days.
    """
    local_day = received_at.astimezone(LOCAL_ZONE).date()
    while not is_working_day(local_day):
        local_day += timedelta(days=1)
    due_day = add_working_days(local_day, working_days)
    end_of_day = datetime.combine(due_day, time(23, 59, 59), tzinfo=LOCAL_ZONE)
    return end_of_day.astimezone(UTC)
