"""Erasure requests: asked for on the tracking page or registered by an adviser, decided
on the case page by an adviser of the holding office: anonymise now (statistics stay the
same) or refuse with a reason the requester is emailed and reads on the tracking page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from advice.audit.models import AuditEvent
from advice.cases.models import Case, CaseEntry, Contact
from advice.clock import utcnow
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.privacy.services import REMOVED
from advice.stats.periods import month_period
from advice.stats.queries import Scope, compute_figures
from tests.factories import new_case
from tests.test_retention import _figures

REASON = "Jag har sålt huset och vill inte finnas kvar i registret."
REFUSAL = "Ärendet har ett pågående bidragsbeslut som kommunen måste arkivera i två år."


@pytest.fixture
def requested(app: Any, client: Any) -> dict[str, Any]:
    """A closed case (in English) whose requester asked for erasure on the tracking page."""
    with app.app_context():
        created = new_case(language="en")
        case = created.case
        case.entries.append(
            CaseEntry(kind="reply", is_public=True, body="Byt till bergvärme, Åsa.", minutes=20)
        )
        case.minutes_spent = 20
        case.first_response_at = case.received_at + timedelta(hours=3)
        case.status, case.resolved_at, case.closed_at = "closed", utcnow(), utcnow()
        case.satisfaction = 4
        db.session.commit()
        values = {"reference": case.reference, "token": created.tracking_token, "id": case.id}
    response = client.post(f"/track/{values['token']}/erasure", data={"erasure-reason": REASON})
    assert response.status_code == 302
    return values


@pytest.fixture
def adviser(make_user: Any) -> Any:
    return make_user(name="Hanna Hemma", offices=("stockholm",))


def _statistics() -> dict[str, Any]:
    """The statistics page's figures for this month, and the counts they are made of."""
    now = utcnow()
    figures = compute_figures(month_period(now.year, now.month), Scope(), now)
    figures_now = {
        "totals": figures.totals,
        "by_municipality": figures.by_municipality,
        "by_office": figures.by_office,
        "by_topic": figures.by_topic,
        "by_requester_type": figures.by_requester_type,
        "by_channel": figures.by_channel,
        "durations": figures.durations,
    }
    counts = _figures()
    counts.pop("entries")  # the decision is one more timeline entry, in no statistic
    return {"figures": figures_now, "counts": counts}


def _actions(app: Any) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_request_awaits_a_decision_on_the_case_page_and_in_the_queue(
    app, client, login, adviser, requested
):
    login(adviser)
    page = client.get(f"/cases/{requested['reference']}").get_data(as_text=True)
    assert "Begäran om radering väntar på beslut" in page
    assert REASON in page
    assert f"/cases/{requested['reference']}/erasure/decision" in page
    queue = client.get("/queue").get_data(as_text=True)
    assert "1 begäran om radering väntar på beslut" in queue
    only = client.get("/queue?status=all&assignee=any&erasure=1").get_data(as_text=True)
    assert requested["reference"] in only


def test_anonymising_now_removes_the_personal_data_and_keeps_the_statistics(
    app, client, login, adviser, requested
):
    login(adviser)
    with app.app_context():
        before = _statistics()

    refused = client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "anonymise"},
    )
    assert refused.status_code == 400  # the adviser must confirm no rule keeps the data
    assert "Bekräfta att ingen regel" in refused.get_data(as_text=True)

    response = client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "anonymise", "decision-no_rule_requires_keeping": "y"},
    )
    assert response.status_code == 302

    with app.app_context():
        assert _statistics() == before
        case = db.session.get(Case, requested["id"])
        assert case.anonymised_at is not None and case.erasure_requested_at is None
        assert case.question == REMOVED and case.contact_id is None
        assert all(entry.body in (None, REMOVED) for entry in case.entries)
        contact = db.session.scalars(select(Contact)).one()
        assert (contact.name, contact.email, contact.phone) == (None, None, None)
        kinds = [entry.kind for entry in case.entries]
        assert kinds[-2:] == ["erasure_request", "erasure_decision"]
        assert case.entries[-1].details == {"decision": "anonymised"}
        anonymised = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.anonymised")
        ).one()
        assert anonymised.details == {"reason": "erasure_request"}
        # The requester is told, at the address just removed; nothing else is left for it.
        (message,) = db.session.scalars(select(OutboxMessage)).all()
        assert message.kind == "erasure_done" and message.to_address == "asa.oberg@example.com"
        assert requested["reference"] in message.text_body
    assert "case.erasure_granted" in _actions(app)
    assert client.get(f"/track/{requested['token']}").status_code == 404
    page = client.get(f"/cases/{requested['reference']}").get_data(as_text=True)
    assert "Beslut om radering" in page and "Personuppgifterna raderade" in page


def test_anonymising_an_open_case_closes_it_first(app, client, login, adviser):
    with app.app_context():
        created = new_case()
        db.session.commit()
        reference, token = created.case.reference, created.tracking_token
    client.post(f"/track/{token}/erasure", data={})
    login(adviser)
    client.post(
        f"/cases/{reference}/erasure/decision",
        data={"decision-decision": "anonymise", "decision-no_rule_requires_keeping": "y"},
    )
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.status == "closed" and case.anonymised_at is not None


def test_refusing_needs_a_reason_which_is_emailed_and_shown_on_the_tracking_page(
    app, client, login, adviser, requested
):
    login(adviser)
    missing = client.post(
        f"/cases/{requested['reference']}/erasure/decision", data={"decision-decision": "refuse"}
    )
    assert missing.status_code == 400
    assert "Skriv skälet" in missing.get_data(as_text=True)

    response = client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "refuse", "decision-reason": REFUSAL},
    )
    assert response.status_code == 302

    with app.app_context():
        case = db.session.get(Case, requested["id"])
        assert case.anonymised_at is None and case.erasure_requested_at is None
        decision = case.entries[-1]
        assert decision.kind == "erasure_decision" and decision.is_public
        assert decision.body == REFUSAL and decision.details == {"decision": "refused"}
        (message,) = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "erasure_refused")
        ).all()
        assert message.to_address == "asa.oberg@example.com"
        assert REFUSAL in message.text_body and REFUSAL in (message.html_body or "")
        assert "/track/" in message.text_body
        fresh_link = message.text_body.split("/track/", 1)[1].split()[0]
    assert "case.erasure_refused" in _actions(app)

    for token in (requested["token"], fresh_link):
        tracking = client.get(f"/track/{token}").get_data(as_text=True)
        assert REFUSAL in tracking
        assert "Din begäran om radering avslogs" in tracking
    # The requester may ask again.
    assert f"/track/{fresh_link}/erasure" in tracking
    staff_page = client.get(f"/cases/{requested['reference']}").get_data(as_text=True)
    assert "En begäran om radering avslogs" in staff_page and REFUSAL in staff_page


def test_the_refusal_is_written_in_the_requesters_language(
    app, client, login, adviser, requested, monkeypatch
):
    from advice.mail import notifications

    rendered: list[tuple[str, str]] = []
    real_render = notifications.render_mail

    def spy(template: str, language: str, **context: Any) -> Any:
        rendered.append((template, language))
        return real_render(template, language, **context)

    monkeypatch.setattr(notifications, "render_mail", spy)
    login(adviser)  # a Swedish-speaking adviser; the requester wrote in English
    client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "refuse", "decision-reason": REFUSAL},
    )
    assert rendered == [("erasure_refused", "en")]


def test_an_adviser_registers_a_request_made_by_phone(app, client, login, adviser):
    with app.app_context():
        reference = new_case().case.reference
        db.session.commit()
    login(adviser)
    response = client.post(
        f"/cases/{reference}/erasure", data={"erasure-reason": "Ringde och bad om radering."}
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.erasure_requested_at is not None
        entry = case.entries[-1]
        assert entry.kind == "erasure_request" and entry.author_id == adviser.id
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.erasure_requested")
        ).one()
        assert event.actor_id == adviser.id
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Begäran om radering väntar på beslut" in page


def test_only_advisers_of_the_holding_office_decide(app, client, make_user, login, requested):
    other_office = make_user(offices=("sodertorn",))
    login(other_office)
    response = client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "refuse", "decision-reason": REFUSAL},
    )
    assert response.status_code == 404
    client.post("/logout")

    # The assignee from another office sees the case, but the office decides.
    with app.app_context():
        db.session.get(Case, requested["id"]).assignee_id = other_office.id
        db.session.commit()
    login(other_office)
    page = client.get(f"/cases/{requested['reference']}").get_data(as_text=True)
    assert "beslutar om begäran" in page
    response = client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "refuse", "decision-reason": REFUSAL},
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Case, requested["id"]).erasure_requested_at is not None


def test_a_decision_without_a_pending_request_changes_nothing(app, client, login, adviser):
    with app.app_context():
        reference = new_case().case.reference
        db.session.commit()
    login(adviser)
    response = client.post(
        f"/cases/{reference}/erasure/decision",
        data={"decision-decision": "anonymise", "decision-no_rule_requires_keeping": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Case)).one().anonymised_at is None


def test_the_case_record_pdf_names_the_decision(app, client, login, adviser, requested):
    from io import BytesIO

    from pypdf import PdfReader

    login(adviser)
    client.post(
        f"/cases/{requested['reference']}/erasure/decision",
        data={"decision-decision": "refuse", "decision-reason": REFUSAL},
    )
    data = client.get(f"/cases/{requested['reference']}/record.pdf").data
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    assert "Beslut om radering: avslag" in text
