"""The API with integration keys: keys themselves, POST /api/v1/cases and GET /api/v1/stats."""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from advice.api.keys import create_key, revoke_key
from advice.api.models import IntegrationKey
from advice.audit.models import AuditEvent
from advice.cases.models import Case, IdempotencyKey
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.regions.models import RegionSetting

PROBLEM = "application/problem+json"


def _key(app: Any, *scopes: str) -> str:
    with app.app_context():
        created = create_key("Nacka e-tjänst", list(scopes or ("intake", "stats")), None)
        db.session.commit()
        return created.secret


def _auth(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "municipality": "0182",
        "requester_type": "private_house",
        "topics": ["heating", "grants"],
        "question": "Vi har oljepanna i ett hus från 1962. Vad ersätter den bäst?",
        "name": "Örjan Åkesson",
        "email": "orjan@example.se",
        "phone": "+46 70 123 45 67",
        "language": "sv",
        "year_built": 1962,
        "heated_area_m2": 120,
        "heating_system": "oil",
        "property_type": "detached",
        "consent": True,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


# --- Keys ---------------------------------------------------------------------------------


def test_a_key_is_stored_only_as_its_digest(app):
    secret = _key(app, "intake")
    assert re.fullmatch(r"ek_[0-9a-f]{8}\.[A-Za-z0-9_-]{43}", secret)
    with app.app_context():
        key = db.session.scalars(select(IntegrationKey)).one()
        assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret.partition(".")[2] not in repr(
            [key.name, key.prefix, key.key_hash, key.scopes]
        )
        assert key.scope_list == ["intake"]
        assert db.session.scalar(select(AuditEvent.action)) == "api_key.created"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing or malformed"),
        ({"Authorization": "Bearer not-a-key"}, "missing or malformed"),
        ({"Authorization": "Basic ek_00000000.x"}, "missing or malformed"),
        ({"Authorization": "Bearer ek_00000000." + "A" * 43}, "unknown"),
    ],
)
def test_calls_without_a_valid_key_get_401_and_are_audited(app, client, headers, reason):
    response = client.post("/api/v1/cases", json=_body(), headers=headers)
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    with app.app_context():
        assert _count(Case) == 0
        event = db.session.scalars(select(AuditEvent)).one()
        assert (event.action, event.details["reason"]) == ("api_key.refused", reason)


def test_a_key_with_the_right_prefix_but_wrong_secret_is_refused(app, client):
    secret = _key(app)
    forged = secret.partition(".")[0] + "." + "B" * 43
    assert client.get("/api/v1/stats", headers=_auth(forged)).status_code == 401


def test_scopes_limit_what_a_key_may_call(app, client):
    intake_only, stats_only = _key(app, "intake"), _key(app, "stats")
    assert client.get("/api/v1/stats", headers=_auth(intake_only)).status_code == 403
    refused = client.post("/api/v1/cases", json=_body(), headers=_auth(stats_only))
    assert refused.status_code == 403
    assert refused.content_type == PROBLEM
    assert client.get("/api/v1/stats", headers=_auth(stats_only)).status_code == 200
    assert client.post("/api/v1/cases", json=_body(), headers=_auth(intake_only)).status_code == 201


def test_a_revoked_key_stops_working_at_once(app, client):
    secret = _key(app)
    assert client.get("/api/v1/stats", headers=_auth(secret)).status_code == 200
    with app.app_context():
        revoke_key(db.session.scalars(select(IntegrationKey)).one(), None)
        db.session.commit()
    assert client.get("/api/v1/stats", headers=_auth(secret)).status_code == 401
    with app.app_context():
        reasons = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "api_key.refused")
        ).all()
        assert [details["reason"] for details in reasons] == ["revoked"]


def test_every_use_is_audited_with_the_key_and_its_last_use_recorded(app, client):
    secret = _key(app)
    client.get("/api/v1/stats", headers=_auth(secret))
    client.post("/api/v1/cases", json=_body(email="not an address"), headers=_auth(secret))
    with app.app_context():
        uses = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "api_key.used").order_by(AuditEvent.id)
        ).all()
        key = db.session.scalars(select(IntegrationKey)).one()
        assert [(use.details["method"], use.details["path"]) for use in uses] == [
            ("GET", "/api/v1/stats"),
            ("POST", "/api/v1/cases"),
        ]
        assert {use.actor_label for use in uses} == {f"key:{key.prefix}"}
        assert key.last_used_at is not None


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "API_KEY_RATE_LIMIT": "2 per minute"}]
)
def test_each_key_is_rate_limited_on_its_own(app, client):
    first, second = _key(app), _key(app)
    statuses = [client.get("/api/v1/stats", headers=_auth(first)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get("/api/v1/stats", headers=_auth(first))
    assert limited.content_type == PROBLEM
    assert client.get("/api/v1/stats", headers=_auth(second)).status_code == 200


# --- POST /api/v1/cases -----------------------------------------------------------------


def test_a_case_sent_by_an_e_service_is_handled_like_one_from_the_form(app, client):
    response = client.post("/api/v1/cases", json=_body(), headers=_auth(_key(app, "intake")))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert re.fullmatch(r"EK-\d{4}-\d{5}", answer["reference"])
    assert answer["municipality"] == "0182"
    assert answer["status"] == "new"
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.reference == answer["reference"]
        assert case.office.code == "ostra"  # Nacka is routed as on /ask
        assert answer["office"] == case.office.name
        assert case.channel.code == "web"
        assert {topic.code for topic in case.topics} == {"heating", "grants"}
        assert (case.year_built, case.heated_area_m2, case.heating_system) == (1962, 120, "oil")
        assert case.contact.phone_normalised == "+46701234567"
        assert case.consent_notice_version
        mails = {mail.kind: mail for mail in db.session.scalars(select(OutboxMessage))}
        assert mails["case_received"].to_address == "orjan@example.se"
        assert case.reference in mails["case_received"].subject + mails["case_received"].text_body
    # The tracking link works like the one from the form.
    page = client.get(answer["tracking_url"].replace("http://localhost", ""))
    assert page.status_code == 200
    assert "oljepanna" in page.get_data(as_text=True)


def test_the_case_appears_in_the_regional_queue(app, client, make_user, login):
    answer = client.post(
        "/api/v1/cases", json=_body(municipality="0180"), headers=_auth(_key(app))
    ).get_json()
    login(make_user(offices=("stockholm",)))
    queue = client.get("/queue").get_data(as_text=True)
    assert answer["reference"] in queue


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "x" * 10_001}, "question"),
        ({"email": "anna.example.se"}, "email"),
        ({"phone": "ring mig"}, "phone"),
        ({"consent": False}, "consent"),
        ({"municipality": "9999"}, "municipality"),
        ({"requester_type": "alien"}, "requester_type"),
        ({"topics": []}, "topics"),
        ({"topics": ["heating", "time_travel"]}, "topics"),
        ({"year_built": 1200}, "year_built"),
        ({"year_built": "nineteen"}, "year_built"),
        ({"heated_area_m2": 0}, "heated_area_m2"),
        ({"language": "de"}, "language"),
        ({"name": ...}, "name"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_fields_get_a_problem_with_a_message_per_field(app, client, override, field):
    response = client.post("/api/v1/cases", json=_body(**override), headers=_auth(_key(app)))
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    errors = response.get_json()["errors"]
    assert field in errors
    assert all(isinstance(message, str) and message for message in errors[field])
    with app.app_context():
        assert _count(Case) == 0
        assert _count(IdempotencyKey) == 0


def test_field_messages_follow_the_callers_language(app, client):
    headers = _auth(_key(app), **{"Accept-Language": "en"})
    response = client.post("/api/v1/cases", json=_body(question=""), headers=headers)
    assert response.get_json()["errors"]["question"] == ["Write your question."]
    headers["Accept-Language"] = "sv"
    response = client.post("/api/v1/cases", json=_body(question=""), headers=headers)
    assert response.get_json()["errors"]["question"] == ["Skriv din fråga."]


def test_the_bodys_own_checks_speak_the_callers_language_too(app, client):
    body = _body(year_built="nineteen", topics=["heating", 7], language="de", surprise=1)
    del body["name"]
    fields = ("year_built", "topics", "language", "name", "surprise")
    expected = {
        "en": [
            "Enter a whole number.",
            "Enter a text string.",
            "Enter one of: sv, en.",
            "This field is missing.",
            "Unknown field.",
        ],
        "sv": [
            "Ange ett heltal.",
            "Ange en textsträng.",
            "Ange ett av: sv, en.",
            "Fältet saknas.",
            "Okänt fält.",
        ],
    }
    for language, messages in expected.items():
        headers = _auth(_key(app), **{"Accept-Language": language})
        errors = client.post("/api/v1/cases", json=body, headers=headers).get_json()["errors"]
        assert errors == {field: [message] for field, message in zip(fields, messages, strict=True)}
    too_many = _body(topics=["heating"] * 21)
    errors = client.post("/api/v1/cases", json=too_many, headers=headers).get_json()["errors"]
    assert errors == {"topics": ["Välj mellan 1 och 20 ämnen."]}


def test_a_body_that_is_not_a_json_object_is_refused(app, client):
    headers = _auth(_key(app))
    assert client.post("/api/v1/cases", data="question=hej", headers=headers).status_code == 415
    for body in ("[1, 2]", '"text"', "{not json"):
        response = client.post(
            "/api/v1/cases", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400
        assert response.content_type == PROBLEM


@pytest.mark.csrf
def test_keyed_calls_need_no_csrf_token(app, client):
    response = client.post("/api/v1/cases", json=_body(), headers=_auth(_key(app)))
    assert response.status_code == 201


# --- Idempotency --------------------------------------------------------------------------


def test_a_retried_submission_returns_the_first_case(app, client):
    headers = _auth(_key(app), **{"Idempotency-Key": "nacka-2026-000123"})
    first = client.post("/api/v1/cases", json=_body(), headers=headers)
    again = client.post("/api/v1/cases", json=_body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["reference"] == first.get_json()["reference"]
    # Both tracking links open the one case.
    for answer in (first, again):
        link = answer.get_json()["tracking_url"].replace("http://localhost", "")
        assert client.get(link).status_code == 200
    with app.app_context():
        assert _count(Case) == 1
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "case_received")
            )
            == 1
        )


def test_the_same_idempotency_key_with_another_body_is_refused(app, client):
    headers = _auth(_key(app), **{"Idempotency-Key": "k1"})
    assert client.post("/api/v1/cases", json=_body(), headers=headers).status_code == 201
    other = client.post("/api/v1/cases", json=_body(question="En annan fråga"), headers=headers)
    assert other.status_code == 422
    assert "different request" in other.get_json()["detail"]
    with app.app_context():
        assert _count(Case) == 1


def test_idempotency_keys_belong_to_one_integration_key(app, client):
    body = _body()
    first = client.post(
        "/api/v1/cases", json=body, headers=_auth(_key(app), **{"Idempotency-Key": "same"})
    )
    second = client.post(
        "/api/v1/cases", json=body, headers=_auth(_key(app), **{"Idempotency-Key": "same"})
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["reference"] != second.get_json()["reference"]


def test_a_malformed_idempotency_key_is_refused(app, client):
    headers = _auth(_key(app), **{"Idempotency-Key": "x" * 65})
    assert client.post("/api/v1/cases", json=_body(), headers=headers).status_code == 400


def test_concurrent_duplicates_create_one_case(app):
    headers = _auth(_key(app), **{"Idempotency-Key": "race-1"})
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post("/api/v1/cases", json=_body(), headers=headers)
        answers.append((response.status_code, response.get_json()["reference"]))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(status for status, _reference in answers) == [200, 201]
    assert len({reference for _status, reference in answers}) == 1
    with app.app_context():
        assert _count(Case) == 1


# --- GET /api/v1/stats --------------------------------------------------------------------


def test_stats_count_the_cases_like_the_statistics_page(app, client):
    headers = _auth(_key(app))
    for municipality in ("0180", "0180", "0182"):
        client.post("/api/v1/cases", json=_body(municipality=municipality), headers=headers)
    whole = client.get("/api/v1/stats", headers=headers)
    assert whole.status_code == 200
    body = whole.get_json()
    key_figures = next(table for table in body["tables"] if table["key"] == "key_figures")
    assert key_figures["rows"][0][1] == 3
    assert body["period"]["key"] == str(body["period"]["first_day"][:4])
    nacka = client.get("/api/v1/stats?municipality=0182", headers=headers).get_json()
    nacka_figures = next(table for table in nacka["tables"] if table["key"] == "key_figures")
    assert nacka_figures["rows"][0][1] == 1
    assert "Nacka" in nacka["filters"]


def test_stats_hide_small_counts_and_adviser_names(app, client, make_user):
    make_user(name="Hemlig Rådgivare")
    headers = _auth(_key(app))
    client.post("/api/v1/cases", json=_body(), headers=headers)
    with app.app_context():
        db.session.merge(RegionSetting(key="stats_min_cell_size", value="5"))
        db.session.commit()
    response = client.get("/api/v1/stats", headers=headers)
    body = response.get_json()
    assert body["minimum_cell_size"] == 5
    key_figures = next(table for table in body["tables"] if table["key"] == "key_figures")
    assert key_figures["rows"][0][1] is None  # one case: below the minimum
    assert "Hemlig Rådgivare" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["period=2026-Q5", "period=custom&from=2026-02-01&to=2026-01-01", "municipality=9999",
     "office=nowhere", "period=" + "9" * 30],
)  # fmt: skip
def test_stats_refuse_bad_periods_and_filters(app, client, query):
    response = client.get(f"/api/v1/stats?{query}", headers=_auth(_key(app)))
    assert response.status_code == 400
    assert response.content_type == PROBLEM


# --- Administration: page and command line -------------------------------------------------


def test_the_admin_creates_a_key_that_is_shown_once_and_revokes_it(app, client, make_user, login):
    login(make_user(roles=("admin",), offices=()))
    page = client.post(
        "/admin/integrations", data={"name": "Värmdö e-tjänst", "scopes": ["intake"]}
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r"ek_[0-9a-f]{8}\.[A-Za-z0-9_-]{43}", page.get_data(as_text=True))[0]
    assert client.post("/api/v1/cases", json=_body(), headers=_auth(secret)).status_code == 201
    listing = client.get("/admin/integrations").get_data(as_text=True)
    assert "Värmdö e-tjänst" in listing
    assert secret not in listing
    assert secret.partition(".")[0] in listing
    with app.app_context():
        key_id = db.session.scalar(select(IntegrationKey.id))
    revoked = client.post(f"/admin/integrations/{key_id}/revoke", follow_redirects=True)
    assert "återkallad" in revoked.get_data(as_text=True)
    assert client.post("/api/v1/cases", json=_body(), headers=_auth(secret)).status_code == 401


def test_a_key_needs_a_name_and_a_scope(app, client, make_user, login):
    login(make_user(roles=("admin",), offices=()))
    response = client.post("/admin/integrations", data={"name": "", "scopes": []})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Välj minst en behörighet." in html
    with app.app_context():
        assert _count(IntegrationKey) == 0


def test_the_command_line_creates_lists_and_revokes_keys(app, runner, client):
    created = runner.invoke(
        args=["api-key", "create", "--name", "Rapportverktyg", "--scope", "stats"]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert client.get("/api/v1/stats", headers=_auth(secret)).status_code == 200
    listed = runner.invoke(args=["api-key", "list"])
    prefix = secret.partition(".")[0]
    assert prefix in listed.output and "Rapportverktyg" in listed.output
    assert secret not in listed.output
    revoked = runner.invoke(args=["api-key", "revoke", prefix])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/stats", headers=_auth(secret)).status_code == 401
    unknown = runner.invoke(args=["api-key", "revoke", "ek_ffffffff"])
    assert unknown.exit_code != 0


def test_the_documentation_page_describes_every_operation(app, client, make_user, login):
    login(make_user())
    html = client.get("/api-docs").get_data(as_text=True)
    for operation in (
        "POST /api/v1/cases",
        "GET /api/v1/stats",
        "GET /api/v1/kb/articles",
        "GET /api/v1/taxonomy",
    ):
        assert operation in html
    assert "Idempotency-Key" in html
    assert "requester_type" in html
