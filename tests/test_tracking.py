"""The requester's private tracking page."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from advice.cases.models import Case, TrackingToken
from advice.cases.services import hash_token
from advice.extensions import db
from advice.logs import TrackingTokenFilter
from tests.factories import new_case


@pytest.fixture
def tracked_case(app):
    with app.app_context():
        created = new_case()
        db.session.commit()
        return created.tracking_token


def test_the_token_is_long_random_and_stored_only_as_a_hash(app, tracked_case):
    assert len(tracked_case) >= 43  # 32 random bytes, URL-safe base64
    with app.app_context():
        stored = db.session.scalars(select(TrackingToken.token_hash)).one()
        assert stored == hash_token(tracked_case)
        assert tracked_case not in stored


def test_a_wrong_token_is_404(client, tracked_case):
    assert client.get("/track/" + "x" * 43).status_code == 404
    assert client.get("/track/" + tracked_case[:-1] + "A").status_code in (200, 404)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_guessing_tokens_is_rate_limited_but_the_own_link_is_not(client, tracked_case):
    for _ in range(30):
        assert client.get(f"/track/{tracked_case}").status_code == 200
    statuses = [client.get(f"/track/guess{i:040d}").status_code for i in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_erasure_request_is_recorded_for_the_adviser(app, client, tracked_case):
    response = client.post(
        f"/track/{tracked_case}/erasure", data={"erasure-reason": "Jag har sålt huset."}
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.erasure_requested_at is not None
        assert case.entries[-1].kind == "erasure_request"
        assert case.entries[-1].body == "Jag har sålt huset."


def test_satisfaction_is_asked_only_once_the_case_is_resolved(app, client, tracked_case):
    response = client.post(f"/track/{tracked_case}/satisfaction", data={"satisfaction-score": "5"})
    assert response.status_code == 400
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        case.status = "resolved"
        db.session.commit()
    response = client.post(
        f"/track/{tracked_case}/satisfaction",
        data={"satisfaction-score": "4", "satisfaction-comment": "Bra svar!"},
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert (case.satisfaction, case.satisfaction_comment) == (4, "Bra svar!")


def test_the_email_link_shows_the_choice_but_records_nothing_on_get(app, client, tracked_case):
    with app.app_context():
        db.session.scalars(select(Case)).one().status = "resolved"
        db.session.commit()
    page = client.get(f"/track/{tracked_case}/satisfaction?score=2")
    assert page.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Case)).one().satisfaction is None


def test_request_logs_never_contain_the_token():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /track/SECRETtoken123?x=1 HTTP/1.1", "200"),
        None,
    )
    TrackingTokenFilter().filter(record)
    line = record.getMessage()
    assert "SECRETtoken123" not in line
    assert "/track/[token]" in line
