"""From the citizen's question to the adviser's answer and back, through the web."""

from __future__ import annotations

import re
import threading
from datetime import UTC

import pytest
from sqlalchemy import event, select

from advice.accounts.models import User
from advice.audit.models import AuditEvent
from advice.cases.models import Case, CaseEntry
from advice.cases.services import claim
from advice.extensions import db
from tests.factories import new_case


@pytest.fixture
def adviser(make_user):
    return make_user(name="Anna Lindqvist", offices=("stockholm",))


@pytest.fixture
def outsider(make_user):
    return make_user(name="Erik Johansson", offices=("sodertorn",))


@pytest.fixture
def case_in_stockholm(app):
    with app.app_context():
        created = new_case(municipality_code="0180")
        db.session.commit()
        return {"reference": created.case.reference, "token": created.tracking_token}


def test_whole_flow_from_question_to_reopened_case(app, client, adviser, login, case_in_stockholm):
    reference, token = case_in_stockholm["reference"], case_in_stockholm["token"]
    login(adviser)

    queue = client.get("/queue").get_data(as_text=True)
    assert reference in queue

    assert client.post(f"/cases/{reference}/claim").status_code == 302
    queue_after = client.get("/queue").get_data(as_text=True)
    assert f'href="/cases/{reference}"' not in queue_after  # no longer unassigned

    response = client.post(
        f"/cases/{reference}/reply",
        data={
            "reply-body": "Bergvärme passar bra i ert hus. Räkna med 150 000–200 000 kronor.",
            "reply-minutes": "25",
            "reply-status_after": "resolved",
        },
    )
    assert response.status_code == 302

    tracking = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Bergvärme passar bra i ert hus" in tracking
    assert "Hur nöjd är du?" in tracking

    client.post(f"/track/{token}/reply", data={"body": "Tack! Behövs bygglov för borrhålet?"})
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.status == "in_progress"  # reopened for the adviser who has it
        assert case.first_response_at is not None
        assert case.minutes_spent == 25
        kinds = [entry.kind for entry in case.entries]
        assert kinds.count("reply") == 1
        assert kinds[-1] in ("citizen_message", "status_change")

    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Behövs bygglov för borrhålet?" in page


def test_internal_notes_never_reach_the_tracking_page(
    app, client, adviser, login, case_in_stockholm
):
    login(adviser)
    reference, token = case_in_stockholm["reference"], case_in_stockholm["token"]
    client.post(f"/cases/{reference}/note", data={"note-body": "Ringde grannen, verkar stökig."})
    client.post(
        f"/cases/{reference}/contact",
        data={
            "contact-kind": "call",
            "contact-body": "Samtal om borrning",
            "contact-minutes": "10",
        },
    )
    staff_page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Ringde grannen" in staff_page
    tracking = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Ringde grannen" not in tracking
    assert "Samtal om borrning" not in tracking


def test_transfer_moves_the_case_to_the_other_offices_queue(
    app, client, adviser, outsider, login, case_in_stockholm
):
    reference = case_in_stockholm["reference"]
    login(adviser)
    with app.app_context():
        from advice.regions.models import Office

        target = db.session.scalars(select(Office).where(Office.code == "sodertorn")).one().id
    response = client.post(
        f"/cases/{reference}/transfer",
        data={"transfer-office": str(target), "transfer-reason": "Huset ligger i Huddinge."},
    )
    assert response.status_code == 302
    assert client.get(f"/cases/{reference}").status_code == 404  # no longer ours

    client.post("/logout")
    login(outsider)
    assert reference in client.get("/queue").get_data(as_text=True)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Huset ligger i Huddinge." in page


def test_an_adviser_of_another_office_gets_404_everywhere(
    app, client, outsider, login, case_in_stockholm
):
    reference = case_in_stockholm["reference"]
    login(outsider)
    assert client.get(f"/cases/{reference}").status_code == 404
    assert client.get(f"/cases/{reference}/attachments/1").status_code == 404
    for action, data in [
        ("claim", {}),
        ("reply", {"reply-body": "x", "reply-status_after": "resolved"}),
        ("note", {"note-body": "x"}),
        ("status", {"status-status": "closed"}),
        ("contact", {"contact-kind": "call", "contact-body": "x"}),
    ]:
        assert client.post(f"/cases/{reference}/{action}", data=data).status_code == 404
    assert reference not in client.get("/queue?status=all&assignee=any").get_data(as_text=True)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.assignee_id is None and case.entries == []


def test_a_coordinator_cannot_open_cases(client, make_user, login, case_in_stockholm):
    login(make_user(roles=("coordinator",), offices=()))
    assert client.get(f"/cases/{case_in_stockholm['reference']}").status_code == 403
    assert client.get("/queue").status_code == 403


def test_second_claim_is_refused_with_owner_named(
    app, client, adviser, make_user, login, case_in_stockholm
):
    colleague = make_user(name="Karin Ek", offices=("stockholm",))
    reference = case_in_stockholm["reference"]
    login(colleague)
    client.post(f"/cases/{reference}/claim")
    client.post("/logout")
    login(adviser)
    response = client.post(f"/cases/{reference}/claim", follow_redirects=True)
    assert "har redan tagits av Karin Ek" in response.get_data(as_text=True)


def test_concurrent_claims_have_exactly_one_winner(app, adviser, make_user, case_in_stockholm):
    colleague = make_user(offices=("stockholm",))
    barrier = threading.Barrier(2)
    results: dict[int, bool] = {}

    def try_claim(user_id: int) -> None:
        # Both threads start together; on SQLite the write lock then queues them, on
        # PostgreSQL they race on the row for real.
        barrier.wait(timeout=10)
        with app.app_context():
            case = db.session.scalars(
                select(Case).where(Case.reference == case_in_stockholm["reference"])
            ).one()
            user = db.session.get(User, user_id)
            results[user_id] = claim(case, user).won
            db.session.commit()

    threads = [threading.Thread(target=try_claim, args=(u.id,)) for u in (adviser, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [False, True]
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        winner = next(user_id for user_id, won in results.items() if won)
        assert case.assignee_id == winner
        assignments = [e for e in case.entries if e.kind == "assignment"]
        assert len(assignments) == 1


def test_viewing_a_case_is_audited(app, client, adviser, login, case_in_stockholm):
    login(adviser)
    client.get(f"/cases/{case_in_stockholm['reference']}")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "case.viewed" in actions


def test_queue_filters_live_in_the_url_and_narrow_the_list(app, client, adviser, login):
    with app.app_context():
        heating = new_case(question="Värmepump?").case.reference
        from tests.factories import topic_id

        solar = new_case(question="Solceller?", topic_ids=[topic_id("solar")]).case.reference
        solar_topic = topic_id("solar")
        db.session.commit()
    login(adviser)
    html = client.get(f"/queue?status=open&assignee=any&topic={solar_topic}").get_data(as_text=True)
    assert solar in html and heating not in html


def test_overdue_cases_stand_out_and_can_be_filtered(app, client, adviser, login):
    from datetime import datetime

    with app.app_context():
        old = new_case(received_at=datetime(2024, 1, 8, 9, tzinfo=UTC)).case.reference
        fresh = new_case().case.reference
        db.session.commit()
    login(adviser)
    html = client.get("/queue?status=open&assignee=any&overdue=1").get_data(as_text=True)
    assert old in html and fresh not in html
    assert "badge--overdue" in html


def test_queue_pages_through_cases_oldest_first(app, client, adviser, login):
    from datetime import datetime, timedelta

    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    with app.app_context():
        references = [
            new_case(received_at=start + timedelta(hours=i)).case.reference for i in range(30)
        ]
        db.session.commit()
    login(adviser)
    first = client.get("/queue").get_data(as_text=True)
    assert references[0] in first and references[24] in first and references[25] not in first
    next_link = (
        re.search(r'href="(/queue\?[^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    )
    second = client.get(next_link).get_data(as_text=True)
    assert references[25] in second and references[29] in second and references[0] not in second


def test_an_anonymous_phone_contact_is_logged_as_a_case(app, client, adviser, login):
    login(adviser)
    with app.app_context():
        from advice.taxonomy.models import Channel
        from tests.factories import topic_id

        phone = db.session.scalars(select(Channel.id).where(Channel.code == "phone")).one()
        office = db.session.get(User, adviser.id).offices[0].id
        topic = topic_id("solar")
    response = client.post(
        "/cases/new",
        data={
            "channel": str(phone),
            "office": str(office),
            "municipality": "",
            "requester_type": "",
            "topics": [str(topic)],
            "question": "Hur stort solcellsbatteri behövs?",
            "advice_given": "Förklarade skattereduktionen för grön teknik.",
            "minutes": "15",
            "anonymous": "y",
            "resolved": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.contact_id is None
        assert case.channel.code == "phone"
        assert case.status == "resolved"
        assert case.minutes_spent == 15
        assert [e.kind for e in case.entries if e.kind == "call"] == ["call"]


def _count_queries(app, path: str, client) -> int:
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("q")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_queue_and_case_pages_use_a_bounded_number_of_queries(app, client, adviser, login):
    login(adviser)
    with app.app_context():
        first = new_case().case.reference
        db.session.commit()

    def grow(total: int) -> None:
        with app.app_context():
            case = db.session.scalars(select(Case).where(Case.reference == first)).one()
            while db.session.scalar(select(db.func.count(Case.id))) < total:
                new_case()
            for i in range(total // 10):
                case.entries.append(CaseEntry(kind="note", body=f"anteckning {i}"))
            db.session.commit()

    grow(10)
    queue_small = _count_queries(app, "/queue?status=all&assignee=any", client)
    case_small = _count_queries(app, f"/cases/{first}", client)
    grow(200)
    queue_large = _count_queries(app, "/queue?status=all&assignee=any", client)
    case_large = _count_queries(app, f"/cases/{first}", client)
    assert queue_large == queue_small
    assert case_large == case_small


def test_the_adviser_is_told_when_the_requester_writes_again(
    app, client, adviser, login, case_in_stockholm
):
    from advice.mail.models import OutboxMessage

    login(adviser)
    reference, token = case_in_stockholm["reference"], case_in_stockholm["token"]
    client.post(f"/cases/{reference}/claim")
    client.post(f"/track/{token}/reply", data={"body": "En följdfråga om borrhålet."})
    with app.app_context():
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "requester_replied")
        ).all()
        assert [message.to_address for message in messages] == [adviser.email]
        assert "borrhålet" not in messages[0].text_body  # the content stays in the app


def test_emails_to_the_requester_carry_a_working_tracking_link(
    app, client, adviser, login, case_in_stockholm
):
    from advice.mail.models import OutboxMessage

    login(adviser)
    reference = case_in_stockholm["reference"]
    client.post(
        f"/cases/{reference}/reply",
        data={"reply-body": "Här är vårt svar.", "reply-status_after": "resolved"},
    )
    with app.app_context():
        kinds = {
            message.kind: message.text_body for message in db.session.scalars(select(OutboxMessage))
        }
    assert {"reply", "case_resolved"} <= set(kinds)
    link = re.search(r"http://localhost(/track/[\w-]+)", kinds["reply"]).group(1)
    client.post("/logout")
    assert "Här är vårt svar." in client.get(link).get_data(as_text=True)
    score_link = re.search(
        r"http://localhost(/track/[\w-]+/satisfaction\?score=5)", kinds["case_resolved"]
    )
    assert score_link, kinds["case_resolved"]
    form = client.get(score_link.group(1)).get_data(as_text=True)
    assert 'value="5" checked' in form or "checked" in form
