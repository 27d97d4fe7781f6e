"""First-response due dates skip weekends, public holidays and the customary days off."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from advice.cases.sla import LOCAL_ZONE, add_working_days, first_response_due, is_working_day


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_ZONE)


def due_day(received: datetime, days: int = 2) -> date:
    return first_response_due(received, days).astimezone(LOCAL_ZONE).date()


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # An ordinary Tuesday: Thursday.
        (local(2026, 11, 24), date(2026, 11, 26)),
        # Friday: the weekend does not count, so Tuesday.
        (local(2026, 11, 27), date(2026, 12, 1)),
        # Saturday counts as received on Monday morning: Wednesday.
        (local(2026, 11, 28), date(2026, 12, 2)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (local(2026, 4, 2), date(2026, 4, 8)),
        # Midsummer 2026: Midsummer Eve is Friday 19 June.
        (local(2026, 6, 18), date(2026, 6, 23)),
        # Christmas 2026: Eve (Thu), Day (Fri), then the weekend.
        (local(2026, 12, 23), date(2026, 12, 29)),
        # New Year: New Year's Eve (Thu) and Day (Fri) are off.
        (local(2026, 12, 30), date(2027, 1, 5)),
        # Epiphany 2027 is Wednesday 6 January.
        (local(2027, 1, 5), date(2027, 1, 8)),
    ],
)
def test_due_date_counts_swedish_working_days(received, expected):
    assert due_day(received) == expected


def test_due_time_is_the_end_of_the_local_working_day():
    due = first_response_due(local(2026, 11, 24), 2).astimezone(LOCAL_ZONE)
    assert (due.hour, due.minute) == (23, 59)


def test_customary_days_off_are_not_working_days():
    assert not is_working_day(date(2026, 6, 19))  # Midsummer Eve
    assert not is_working_day(date(2026, 12, 24))  # Christmas Eve
    assert not is_working_day(date(2026, 12, 31))  # New Year's Eve
    assert is_working_day(date(2026, 12, 28))


def test_more_working_days_are_configurable():
    assert add_working_days(date(2026, 11, 27), 5) == date(2026, 12, 4)
