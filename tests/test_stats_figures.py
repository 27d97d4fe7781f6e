"""Every statistics figure equals a straightforward recount from the cases.

Cases are generated at random (with a fixed seed) over a few months, then counted three
ways: all live (no rollup yet), all from the rollup (after ``rebuild``), and mixed (cases
changed after the rebuild through the ORM and the services, and new cases above the
watermark). The recount here is deliberately plain Python over the case rows, written
without the statistics code's helpers.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from advice.accounts.models import User
from advice.cases.models import OPEN_STATUSES, Case
from advice.cases.services import (
    change_status,
    claim,
    record_satisfaction,
    reply_to_requester,
    transfer,
)
from advice.clock import utcnow
from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.stats.periods import Period, month_period, parse_period, quarter_period
from advice.stats.queries import BACKLOG_BOUNDS, Scope, compute_figures
from advice.stats.services import rebuild, watermark
from advice.taxonomy.models import Channel, RequesterType, Topic
from tests.factories import new_case

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM).astimezone(UTC)


# --- Generating cases -----------------------------------------------------------------------


def _ids(model: Any) -> list[int]:
    return list(db.session.scalars(select(model.id).order_by(model.id)))


def generate_cases(rng: Random, count: int, start: datetime, days: int) -> list[int]:
    """Cases at random moments, places and categories, some answered, resolved and rated."""
    municipalities = _ids(Municipality)
    requester_types = _ids(RequesterType)
    topics = _ids(Topic)
    channels = list(db.session.scalars(select(Channel.code)))
    created = []
    for _ in range(count):
        received = start + timedelta(seconds=rng.randrange(days * 86400))
        created_case = new_case(
            received_at=received,
            municipality_id=rng.choice(municipalities),
            requester_type_id=rng.choice([*requester_types, None]),
            topic_ids=rng.sample(topics, rng.choice([1, 1, 2, 3])),
            channel_code=rng.choice(channels),
        ).case
        roll = rng.random()
        if roll < 0.75:
            # Answered after some hours, sometimes past the due time; sometimes a few
            # hundred milliseconds either side of a whole hour.
            delay = timedelta(
                hours=rng.choice([0, 1, 3, 20, 50, 90, 200]),
                seconds=rng.randrange(3600),
                microseconds=rng.randrange(10**6),
            )
            created_case.first_response_at = received + delay
            created_case.minutes_spent = rng.choice([0, 5, 15, 45])
        if roll < 0.5:
            created_case.status = "resolved" if rng.random() < 0.5 else "closed"
            created_case.resolved_at = received + timedelta(
                days=rng.choice([0, 1, 2, 9, 30]), hours=rng.randrange(24)
            )
            if rng.random() < 0.6:
                created_case.satisfaction = rng.randint(1, 5)
        elif roll < 0.6:
            created_case.status = rng.choice(["in_progress", "waiting", "assigned"])
        created.append(created_case.id)
    db.session.flush()
    return created


# --- The recount ----------------------------------------------------------------------------


def nearest_rank(values: list[int], fraction: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def whole(later: datetime, earlier: datetime, unit: int) -> int:
    seconds = math.floor(later.timestamp()) - math.floor(earlier.timestamp())
    return max(seconds, 0) // unit


def in_scope(case: Case, scope: Scope) -> bool:
    if scope.office_ids is not None and case.office_id not in scope.office_ids:
        return False
    return scope.municipality_id is None or case.municipality_id == scope.municipality_id


def recount(period: Period, scope: Scope, now: datetime) -> dict[str, Any]:
    cases = list(db.session.scalars(select(Case).options(selectinload(Case.topics))))
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=STOCKHOLM)
    end = datetime.combine(period.end, datetime.min.time(), tzinfo=STOCKHOLM)
    chosen = [c for c in cases if start <= c.received_at < end and in_scope(c, scope)]
    months: dict[date, Counter[str]] = defaultdict(Counter)
    expected: dict[str, Any] = {
        "by_municipality": Counter(),
        "by_office": Counter(),
        "by_requester_type": Counter(),
        "by_channel": Counter(),
        "by_topic": Counter(),
        "response": defaultdict(list),
        "resolution": defaultdict(list),
        "unanswered_overdue": Counter(),
        "workload": Counter(),
    }
    for case in chosen:
        received_local = case.received_at.astimezone(STOCKHOLM)
        month = date(received_local.year, received_local.month, 1)
        counts = months[month]
        counts["cases"] += 1
        counts["minutes"] += case.minutes_spent
        if case.first_response_at is not None:
            counts["responded"] += 1
            if case.first_response_at <= case.first_response_due_at:
                counts["responded_on_time"] += 1
            expected["response"][month].append(
                whole(case.first_response_at, case.received_at, 3600)
            )
        elif case.first_response_due_at < now:
            expected["unanswered_overdue"][month] += 1
        if case.status in ("resolved", "closed") and case.resolved_at is not None:
            counts["resolved"] += 1
            expected["resolution"][month].append(whole(case.resolved_at, case.received_at, 86400))
        if case.satisfaction:
            counts[f"satisfaction_{case.satisfaction}"] += 1
        expected["by_municipality"][case.municipality_id or 0] += 1
        expected["by_office"][case.office_id] += 1
        expected["by_requester_type"][case.requester_type_id or 0] += 1
        expected["by_channel"][case.channel_id] += 1
        for topic in case.topics:
            expected["by_topic"][topic.id] += 1
        if case.assignee_id is not None:
            resolved = case.status in ("resolved", "closed") and case.resolved_at is not None
            expected["workload"][(case.assignee_id, "cases")] += 1
            expected["workload"][(case.assignee_id, "resolved")] += int(resolved)
            expected["workload"][(case.assignee_id, "minutes")] += case.minutes_spent
    expected["months"] = {month: +counts for month, counts in months.items()}
    backlog = [Counter() for _ in range(len(BACKLOG_BOUNDS) + 1)]
    for case in cases:
        if case.status not in OPEN_STATUSES or not in_scope(case, scope):
            continue
        age = now - case.received_at
        position = next(
            (i for i, bound in enumerate(BACKLOG_BOUNDS) if age < timedelta(days=bound)),
            len(BACKLOG_BOUNDS),
        )
        backlog[position]["open"] += 1
        backlog[position]["new"] += case.status == "new"
        backlog[position]["overdue"] += (
            case.first_response_at is None and case.first_response_due_at < now
        )
    expected["backlog"] = [+bucket for bucket in backlog]
    return expected


def assert_figures_match(period: Period, scope: Scope) -> None:
    now = utcnow()
    figures = compute_figures(period, scope, now, workload=True)
    expected = recount(period, scope, now)

    assert {month: +counts for month, counts in figures.months.items() if +counts} == expected[
        "months"
    ]
    total: Counter[str] = Counter()
    for counts in expected["months"].values():
        total.update(counts)
    assert +figures.totals == +total
    for name in ("by_municipality", "by_office", "by_requester_type", "by_channel", "by_topic"):
        assert +getattr(figures, name) == +expected[name], name
    for measure in ("response", "resolution"):
        histograms = figures.durations[measure]
        for month in set(histograms) | set(expected[measure]):
            values = sorted(expected[measure].get(month, []))
            histogram = histograms.get(month, Counter())
            assert sorted(histogram.elements()) == values, (measure, month)
            got = sorted(histogram.elements())
            for fraction in (0.5, 0.9):
                assert nearest_rank(got, fraction) == nearest_rank(values, fraction)
    assert +figures.unanswered_overdue == +expected["unanswered_overdue"]
    assert [+bucket for bucket in figures.backlog] == expected["backlog"]
    workload = Counter()
    names = dict(db.session.execute(select(User.name, User.id)).all())
    for row in figures.workload or []:
        for key in ("cases", "resolved", "minutes"):
            if row[key]:
                workload[(names[row["name"]], key)] += row[key]
    assert +workload == +expected["workload"]


# --- The tests ------------------------------------------------------------------------------


@pytest.fixture
def generated(app, make_user):
    """60 cases from December 2025 to April 2026 plus the staff to move them around."""
    adviser = make_user(name="Stina Statistik", offices=("stockholm", "sodertorn"))
    other = make_user(name="Olle Annan", offices=("norrort",))
    with app.app_context():
        rng = Random(20260331)
        ids = generate_cases(rng, 60, local(2025, 12, 20), 130)
        db.session.commit()
    return {"ids": ids, "adviser": adviser.id, "other": other.id, "rng": rng}


PERIODS = (
    lambda: parse_period("2026", None, None, date(2026, 6, 1)),
    lambda: quarter_period(2026, 1),
    lambda: month_period(2026, 3),
    lambda: parse_period("custom", "2026-01-15", "2026-03-10", date(2026, 6, 1)),
    lambda: parse_period("custom", "2025-12-24", "2025-12-31", date(2026, 6, 1)),
)


def _scopes() -> list[Scope]:
    offices = {
        code: db.session.scalar(select(Office.id).where(Office.code == code))
        for code in ("stockholm", "sodertorn")
    }
    stockholm = db.session.scalar(select(Municipality.id).where(Municipality.code == "0180"))
    return [
        Scope(),
        Scope(office_ids=frozenset({offices["stockholm"]})),
        Scope(office_ids=frozenset(offices.values())),
        Scope(municipality_id=stockholm),
        Scope(office_ids=frozenset({offices["stockholm"]}), municipality_id=stockholm),
        Scope(office_ids=frozenset()),
    ]


def _check_everything() -> None:
    for make_period in PERIODS:
        for scope in _scopes():
            assert_figures_match(make_period(), scope)


def _mutate(generated: dict[str, Any]) -> None:
    """Change cases the way advisers and requesters do, and add new ones."""
    rng: Random = generated["rng"]
    adviser = db.session.get(User, generated["adviser"])
    other = db.session.get(User, generated["other"])
    norrort = db.session.scalar(select(Office).where(Office.code == "norrort"))
    cases = [db.session.get(Case, case_id) for case_id in generated["ids"]]
    for case in rng.sample(cases, 8):
        if case.assignee_id is None:
            claim(case, adviser)  # a conditional UPDATE statement, not the unit of work
    for case in rng.sample(cases, 5):
        if case.status not in ("resolved", "closed"):
            reply_to_requester(case, adviser, "Svar", minutes=20, new_status="resolved")
            record_satisfaction(case, rng.randint(1, 5), None)
    for case in rng.sample(cases, 4):
        if case.office_id != norrort.id:
            transfer(case, adviser, norrort, "Fel kontor")
    for case in rng.sample(cases, 4):
        change_status(case, adviser, "in_progress")  # reopens resolved ones
    for case in rng.sample(cases, 3):
        case.topics = list(db.session.scalars(select(Topic).limit(rng.randint(1, 3))))
        case.requester_type_id = None
        case.municipality_id = None
    cases[0].received_at = local(2026, 3, 31, 23, 30)
    cases[1].assignee_id = other.id
    cases[2].minutes_spent += 30
    db.session.flush()
    generate_cases(rng, 15, local(2026, 2, 1), 60)  # above the watermark: counted live


def test_every_figure_equals_a_recount_live_rolled_up_and_mixed(app, generated):
    with app.app_context():
        assert watermark() == 0
        _check_everything()  # all live

        rebuild()
        db.session.commit()
        assert watermark() == max(generated["ids"])
        _check_everything()  # all from the rollup

        _mutate(generated)
        db.session.commit()
        _check_everything()  # rollup kept in step, plus a live part

        rebuild()  # takes in the new cases
        db.session.commit()
        _check_everything()

        rebuild(full=True)
        db.session.commit()
        _check_everything()


def test_a_rolled_back_change_leaves_the_rollup_as_it_was(app, generated):
    with app.app_context():
        rebuild()
        db.session.commit()
        case = db.session.get(Case, generated["ids"][0])
        case.status = "closed"
        case.resolved_at = utcnow()
        case.satisfaction = 5
        db.session.flush()
        db.session.rollback()
        _check_everything()


def test_a_case_received_2330_on_31_march_belongs_to_march(app):
    with app.app_context():
        march_end = new_case(received_at=local(2026, 3, 31, 23, 30)).case  # 21:30 UTC
        april_start = new_case(received_at=local(2026, 4, 1, 0, 10)).case  # still 31 March UTC
        new_year = new_case(received_at=local(2026, 1, 1, 0, 30)).case  # 2025 in UTC
        db.session.commit()
        assert march_end.received_at.month == 3 and april_start.received_at.day == 31
        for step in ("live", "rollup"):
            march = compute_figures(month_period(2026, 3), Scope(), utcnow())
            april = compute_figures(month_period(2026, 4), Scope(), utcnow())
            year = compute_figures(
                parse_period("2026", None, None, date(2026, 6, 1)), Scope(), utcnow()
            )
            assert march.totals["cases"] == 1, step
            assert april.totals["cases"] == 1, step
            assert year.totals["cases"] == 3, step
            assert year.months[date(2026, 3, 1)]["cases"] == 1
            assert year.months[date(2026, 4, 1)]["cases"] == 1
            assert year.months[date(2026, 1, 1)]["cases"] == 1
            december = compute_figures(month_period(2025, 12), Scope(), utcnow())
            assert december.totals["cases"] == 0, step
            rebuild()
            db.session.commit()
        assert new_year.id and march_end.id


def test_a_custom_period_counts_partial_months_from_the_cases(app, generated):
    with app.app_context():
        rebuild()
        db.session.commit()
        period = parse_period("custom", "2026-02-10", "2026-02-11", date(2026, 6, 1))
        assert period.whole_months is None
        assert_figures_match(period, Scope())
        period = parse_period("custom", "2026-01-31", "2026-03-01", date(2026, 6, 1))
        assert period.whole_months == (date(2026, 2, 1), date(2026, 3, 1))
        assert_figures_match(period, Scope())
