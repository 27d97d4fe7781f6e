"""The demo command: staff to sign in with, and realistic cases that obey the app's rules."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from random import Random

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Select, func, select

from advice.accounts.models import User
from advice.cases.models import Case, CaseEntry, Contact, TrackingToken, case_topics
from advice.cases.references import format_reference, next_reference_number
from advice.demo.generator import (
    CASE_COLUMNS,
    CaseBuilder,
    FirstIds,
    MunicipalityRef,
    OfficeRef,
    RegionSnapshot,
    StaffRef,
    cases_per_year,
    plan_days,
)
from advice.extensions import db
from advice.regions.models import Municipality, Office

REFERENCE = re.compile(r"^EK-\d{4}-\d{5}$")
PROMISED_STAFF = {
    "adviser@example.org": ({"adviser"}, {"stockholm"}),
    "adviser2@example.org": ({"adviser"}, {"sodertorn"}),
    "coordinator@example.org": ({"coordinator"}, set()),
    "admin@example.org": ({"admin"}, set()),
}


def _counts(statement: Select[tuple[int, int]]) -> dict[int, int]:
    return {key: count for key, count in db.session.execute(statement)}


def run_demo(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_creates_the_promised_staff_with_their_roles_and_offices(
    app: Flask, runner: FlaskCliRunner
) -> None:
    run_demo(runner, "--cases", "0")
    with app.app_context():
        users = {user.email: user for user in db.session.scalars(select(User))}
        for email, (roles, offices) in PROMISED_STAFF.items():
            assert set(users[email].roles) == roles
            assert {office.code for office in users[email].offices} == offices
        assert users["adviser@example.org"].name == "Anna Lindqvist"


def test_demo_staff_sign_in_with_the_password_given(app: Flask, runner: FlaskCliRunner) -> None:
    run_demo(runner, "--cases", "0", "--password", "lösenord-för-demo")
    for email in PROMISED_STAFF:
        # A client of its own each: a signed-in client is redirected whatever it posts.
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "lösenord-för-demo"})
        assert response.status_code == 302, email
        refused = app.test_client().post("/login", data={"email": email, "password": "demo"})
        assert refused.status_code == 200


def test_demo_gives_every_office_an_adviser(app: Flask, runner: FlaskCliRunner) -> None:
    run_demo(runner, "--cases", "0")
    with app.app_context():
        advisers = [u for u in db.session.scalars(select(User)) if u.has_role("adviser")]
        staffed = {office.id for user in advisers for office in user.offices}
        assert staffed == set(db.session.scalars(select(Office.id)))


def test_demo_creates_exactly_the_cases_asked_for_with_unique_readable_references(
    app: Flask, runner: FlaskCliRunner
) -> None:
    output = run_demo(runner, "--cases", "50")
    assert "Added 50 cases" in output
    with app.app_context():
        references = list(db.session.scalars(select(Case.reference)))
        assert len(references) == 50
        assert len(set(references)) == 50
        assert all(REFERENCE.match(reference) for reference in references)
        tokens = db.session.scalar(select(func.count(func.distinct(TrackingToken.case_id))))
        assert tokens == 50


def test_demo_cases_are_held_by_their_municipalitys_office_and_its_advisers(
    app: Flask, runner: FlaskCliRunner
) -> None:
    run_demo(runner, "--cases", "50")
    with app.app_context():
        rows = db.session.execute(select(Municipality.id, Municipality.office_id))
        office_of = {municipality: office for municipality, office in rows}
        offices_of_user = {user.id: user.office_ids for user in db.session.scalars(select(User))}
        for case in db.session.scalars(select(Case)):
            assert case.office_id == office_of[case.municipality_id]
            if case.assignee_id is not None:
                assert case.office_id in offices_of_user[case.assignee_id]


def test_demo_case_times_agree_with_status_and_timeline(app: Flask, runner: FlaskCliRunner) -> None:
    run_demo(runner, "--cases", "50")
    now = datetime.now(UTC)
    with app.app_context():
        entries: dict[int, list[CaseEntry]] = defaultdict(list)
        for entry in db.session.scalars(select(CaseEntry).order_by(CaseEntry.id)):
            entries[entry.case_id].append(entry)
        for case in db.session.scalars(select(Case)):
            assert case.received_at <= now
            assert case.first_response_due_at > case.received_at
            assert case.consent_at == case.received_at
            if case.first_response_at is not None:
                assert case.received_at <= case.first_response_at <= now
            if case.status in ("resolved", "closed"):
                assert case.first_response_at is not None
                assert case.resolved_at is not None
                assert case.first_response_at <= case.resolved_at <= now
            else:
                assert case.resolved_at is None
            if case.status == "closed":
                assert case.closed_at is not None
                assert case.resolved_at <= case.closed_at <= now
            else:
                assert case.closed_at is None
            timeline = entries[case.id]
            assert all(case.received_at <= e.created_at <= now for e in timeline)
            assert [e.created_at for e in timeline] == sorted(e.created_at for e in timeline)
            # Replaying the status changes ends where the case stands.
            status = "new"
            for change in (e for e in timeline if e.kind == "status_change"):
                assert change.old_status == status
                status = change.new_status
            assert status == case.status
            assert case.minutes_spent == sum(e.minutes or 0 for e in timeline)
            if case.satisfaction is not None:
                assert case.status in ("resolved", "closed")
                assert 1 <= case.satisfaction <= 5


def test_every_demo_case_has_topics_a_contact_and_worked_cases_a_timeline(
    app: Flask, runner: FlaskCliRunner
) -> None:
    run_demo(runner, "--cases", "50")
    with app.app_context():
        topics = _counts(
            select(case_topics.c.case_id, func.count()).group_by(case_topics.c.case_id)
        )
        timelines = _counts(select(CaseEntry.case_id, func.count()).group_by(CaseEntry.case_id))
        for case in db.session.scalars(select(Case)):
            assert 1 <= topics.get(case.id, 0) <= 3
            assert case.contact_id is not None
            assert case.question.strip()
            if case.status != "new":
                assert timelines.get(case.id, 0) >= 1
        assert sum(timelines.values()) >= 50


def test_demo_contacts_are_normalised_and_some_return_with_new_cases(
    app: Flask, runner: FlaskCliRunner
) -> None:
    run_demo(runner, "--cases", "200")
    with app.app_context():
        contacts = list(db.session.scalars(select(Contact)))
        for contact in contacts:
            assert contact.email_normalised == contact.email.lower()
            assert re.fullmatch(r"[a-z0-9.]+@example\.com", contact.email)
            if contact.phone is not None:
                assert re.fullmatch(r"07\d-\d{3} \d{2} \d{2}", contact.phone)
                assert contact.phone_normalised == "+46" + re.sub(r"\D", "", contact.phone)[1:]
        cases_per_contact = _counts(select(Case.contact_id, func.count()).group_by(Case.contact_id))
        assert any(count > 1 for count in cases_per_contact.values())
        assert len(contacts) == len(cases_per_contact)


def test_running_demo_twice_adds_cases_but_no_staff(app: Flask, runner: FlaskCliRunner) -> None:
    run_demo(runner, "--cases", "50")
    with app.app_context():
        staff = db.session.scalar(select(func.count()).select_from(User))
    second = run_demo(runner, "--cases", "50")
    assert "created adviser@example.org" not in second
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == staff
        references = list(db.session.scalars(select(Case.reference)))
        assert len(references) == 100
        assert len(set(references)) == 100
        emails = list(db.session.scalars(select(Contact.email_normalised)))
        assert len(emails) == len(set(emails))


def test_reference_counter_continues_after_the_demo_without_collision(
    app: Flask, runner: FlaskCliRunner
) -> None:
    run_demo(runner, "--cases", "50")
    with app.app_context():
        existing = set(db.session.scalars(select(Case.reference)))
        years = set(db.session.scalars(select(Case.reference_year)))
        for year in years:
            highest = db.session.scalar(
                select(func.max(Case.reference_number)).where(Case.reference_year == year)
            )
            number = next_reference_number(year)
            assert number == highest + 1
            assert format_reference("EK", year, number) not in existing
        db.session.rollback()


def test_demo_loads_the_seed_data_into_an_empty_database(
    app: Flask, runner: FlaskCliRunner
) -> None:
    from tests.conftest import empty_tables

    with app.app_context():
        empty_tables()
    output = run_demo(runner, "--cases", "10")
    assert "Loaded the seed data" in output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Municipality)) == 26
        assert db.session.scalar(select(func.count()).select_from(Case)) == 10


def _snapshot() -> RegionSnapshot:
    return RegionSnapshot(
        municipalities=(
            MunicipalityRef(1, "0180", "Stockholm", 1),
            MunicipalityRef(2, "0182", "Nacka", 2),
        ),
        offices={
            1: OfficeRef(1, "Kontor A", (StaffRef(1, "Anna Lindqvist"),)),
            2: OfficeRef(2, "Kontor B", ()),
        },
        topic_ids={"heating": 1, "solar": 2, "grants": 3, "other": 4},
        topic_labels_sv={"heating": "Uppvärmning", "solar": "Solel", "grants": "Bidrag"},
        requester_type_ids={"private_house": 1, "private_flat": 2},
        channel_ids={"web": 1, "phone": 2},
        reference_prefix="EK",
        sla_working_days=2,
    )


def _build(seed: str, now: datetime) -> list[tuple[object, ...]]:
    rng = Random(seed)
    plan = plan_days(300, rng, now, sla_working_days=2)
    numbers = {year: 1 for year in cases_per_year(plan)}
    builder = CaseBuilder(_snapshot(), rng, now, FirstIds(1, 1, 1), numbers, plain_emails=True)
    return [row for chunk in builder.build(plan, chunk_size=64) for row in chunk.cases]


def test_same_seed_and_moment_give_the_same_cases() -> None:
    now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    first, again, other = _build("2026:1", now), _build("2026:1", now), _build("7:1", now)
    assert len(first) == 300
    assert first == again
    assert first != other
    status = CASE_COLUMNS.index("status")
    assignee = CASE_COLUMNS.index("assignee_id")
    office = CASE_COLUMNS.index("office_id")
    # The office without advisers cannot have worked on its cases.
    assert all(row[status] == "new" and row[assignee] is None for row in first if row[office] == 2)
