"""Advisers' personal tokens: made on /account, shown once, and with them GET /api/v1/queue
and GET /api/v1/cases/<reference> read exactly what the adviser may open, nothing more."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from advice.api.models import PersonalToken
from advice.api.tokens import MAX_ACTIVE_TOKENS
from advice.audit.models import AuditEvent
from advice.cases.models import Case
from advice.clock import utcnow
from advice.extensions import db
from advice.privacy.services import anonymise_case
from tests.factories import new_case

PROBLEM = "application/problem+json"
TOKEN = re.compile(r"pt_[0-9a-f]{8}\.[A-Za-z0-9_-]{43}")


def _make_token(client: Any, name: str = "Kööversikt", days: str = "30") -> str:
    response = client.post("/account/tokens", data={"token-name": name, "token-days": days})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "no-store"
    found = TOKEN.findall(response.get_data(as_text=True))
    assert len(found) == 1
    return found[0]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _case(app: Any, municipality_code: str = "0180", **overrides: Any) -> str:
    with app.app_context():
        reference = new_case(municipality_code=municipality_code, **overrides).case.reference
        db.session.commit()
        return reference


@pytest.fixture
def adviser(make_user: Any, login: Any) -> Any:
    user = make_user(name="Tove Token", offices=("stockholm",))
    login(user)
    return user


def test_an_adviser_makes_a_token_that_is_shown_once_and_stored_as_its_digest(app, client, adviser):
    token = _make_token(client, "Kööversikt i Teams", "90")
    with app.app_context():
        stored = db.session.scalars(select(PersonalToken)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored.prefix == token.partition(".")[0]
        assert stored.name == "Kööversikt i Teams"
        assert timedelta(days=89) < stored.expires_at - utcnow() <= timedelta(days=90)
        created = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "personal_token.created")
        ).one()
        assert created.actor_id == adviser.id
        assert token.partition(".")[2] not in str(created.details)
    settings = client.get("/account").get_data(as_text=True)
    assert "Kööversikt i Teams" in settings and token.partition(".")[0] in settings
    assert token.partition(".")[2] not in settings


def test_the_queue_lists_what_the_queue_page_lists(app, client, adviser):
    home = _case(app, "0180")  # Stockholm: the adviser's office
    other = _case(app, "0182")  # Nacka: another office
    token = _make_token(client)
    response = app.test_client().get("/api/v1/queue", headers=_auth(token))  # no cookies
    assert response.status_code == 200
    body = response.get_json()
    references = [case["reference"] for case in body["cases"]]
    assert home in references and other not in references
    assert body["total"] == len(references)
    assert body["next"] is None
    listed = body["cases"][references.index(home)]
    assert listed["status"] == "new" and listed["office"]["code"] == "stockholm"
    assert listed["municipality"] == {"code": "0180", "name": "Stockholm"}
    assert listed["url"].endswith(f"/cases/{home}")
    assert "Åsa" not in response.get_data(as_text=True)  # the list carries no personal data
    assert "Set-Cookie" not in response.headers


def test_the_queue_takes_the_queue_pages_filters_and_pages_with_a_cursor(app, client, adviser):
    for _ in range(27):
        _case(app)
    token = _make_token(client)
    first = client.get("/api/v1/queue?status=all&assignee=any", headers=_auth(token)).get_json()
    assert len(first["cases"]) == 25 and first["total"] == 27
    second = client.get(first["next"], headers=_auth(token)).get_json()
    assert len(second["cases"]) == 2 and second["next"] is None
    seen = [case["reference"] for case in first["cases"] + second["cases"]]
    assert len(set(seen)) == 27
    mine = client.get("/api/v1/queue?assignee=me", headers=_auth(token)).get_json()
    assert mine["cases"] == [] and mine["total"] == 0
    bad = client.get("/api/v1/queue?status=lost", headers=_auth(token))
    assert bad.status_code == 400 and bad.content_type == PROBLEM


def test_a_case_reads_as_its_page_shows_it_and_the_reading_is_audited(app, client, adviser):
    reference = _case(app)
    token = _make_token(client)
    client.post(f"/cases/{reference}/note", data={"note-body": "Ringde, inget svar."})
    response = client.get(f"/api/v1/cases/{reference.lower()}", headers=_auth(token))
    assert response.status_code == 200
    case = response.get_json()
    assert case["reference"] == reference
    assert case["contact"] == {
        "name": "Åsa Öberg",
        "email": "asa.oberg@example.com",
        "phone": "070-123 45 67",
    }
    assert "värmepump" in case["question"]
    notes = [entry for entry in case["entries"] if entry["kind"] == "note"]
    assert [(note["text"], note["author"], note["shown_to_requester"]) for note in notes] == [
        ("Ringde, inget svar.", "Tove Token", False)
    ]
    with app.app_context():
        viewed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.viewed")
        ).all()
        assert [event.actor_id for event in viewed] == [adviser.id]


def test_another_offices_case_is_not_found_exactly_as_a_missing_one(app, client, adviser):
    other = _case(app, "0182")
    token = _make_token(client)
    hidden = client.get(f"/api/v1/cases/{other}", headers=_auth(token))
    missing = client.get("/api/v1/cases/EK-1999-99999", headers=_auth(token))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content_type == missing.content_type == PROBLEM
    assert hidden.get_json() == missing.get_json()


def test_an_anonymised_case_reads_without_its_personal_data(app, client, adviser):
    reference = _case(app)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        anonymise_case(case, reason="retention")
        db.session.commit()
    token = _make_token(client)
    case = client.get(f"/api/v1/cases/{reference}", headers=_auth(token)).get_json()
    assert case["anonymised"] is True
    assert "Åsa" not in str(case) and "asa.oberg" not in str(case)


@pytest.mark.parametrize(
    "end",
    ["revoked", "expired", "deactivated", "password_reset", "no_longer_adviser"],
)
def test_a_token_stops_working_when_it_ends(app, client, adviser, end):
    reference = _case(app)
    token = _make_token(client)
    assert client.get(f"/api/v1/cases/{reference}", headers=_auth(token)).status_code == 200
    with app.app_context():
        stored = db.session.scalars(select(PersonalToken)).one()
        user = stored.user
        if end == "revoked":
            pass  # through the page, below
        elif end == "expired":
            stored.expires_at = utcnow() - timedelta(seconds=1)
        elif end == "deactivated":
            user.active = False
        elif end == "password_reset":
            user.session_epoch += 1
        else:
            user.role_rows.clear()
        db.session.commit()
        token_id = stored.id
    if end == "revoked":
        response = client.post(f"/account/tokens/{token_id}/revoke")
        assert response.status_code == 302
        page = client.get("/account").get_data(as_text=True)
        assert "Nyckeln ”Kööversikt” är återkallad" in page
        assert token.partition(".")[0] not in page
    for path in ("/api/v1/queue", f"/api/v1/cases/{reference}"):
        refused = client.get(path, headers=_auth(token))
        assert refused.status_code == 401
        assert refused.content_type == PROBLEM
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    with app.app_context():
        reasons = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "personal_token.refused")
        ).all()
        assert reasons and all(reason["reason"] == "ended" for reason in reasons)


def test_no_session_and_no_integration_key_replace_a_token(app, client, adviser):
    from advice.api.keys import create_key

    reference = _case(app)
    # Signed in, but without a token.
    assert client.get(f"/api/v1/cases/{reference}").status_code == 401
    with app.app_context():
        key = create_key("Nacka e-tjänst", ["intake", "stats"], None).secret
        db.session.commit()
    assert client.get("/api/v1/queue", headers=_auth(key)).status_code == 401
    forged = "pt_00000000." + "A" * 43
    assert client.get("/api/v1/queue", headers=_auth(forged)).status_code == 401
    token = _make_token(client)
    # And a token is no integration key.
    assert client.get("/api/v1/stats", headers=_auth(token)).status_code == 401


def test_only_the_owner_revokes_a_token(app, client, adviser, make_user, login):
    token = _make_token(client)
    with app.app_context():
        token_id = db.session.scalars(select(PersonalToken.id)).one()
    colleague = make_user(offices=("stockholm",))
    client.post("/logout")
    login(colleague)
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert client.get("/api/v1/queue", headers=_auth(token)).status_code == 200


def test_the_form_says_what_is_wrong_and_the_number_of_tokens_is_bounded(app, client, adviser):
    empty = client.post("/account/tokens", data={"token-name": " ", "token-days": "30"})
    assert empty.status_code == 400
    assert "Skriv vad nyckeln ska användas till." in empty.get_data(as_text=True)
    odd = client.post("/account/tokens", data={"token-name": "x", "token-days": "365"})
    assert odd.status_code == 400
    for number in range(MAX_ACTIVE_TOKENS):
        _make_token(client, f"Nyckel {number}")
    refused = client.post("/account/tokens", data={"token-name": "En till", "token-days": "30"})
    assert refused.status_code == 400
    assert "Återkalla en innan du skapar en ny." in refused.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(PersonalToken)).all()) == MAX_ACTIVE_TOKENS


def test_a_coordinator_gets_no_token(client, make_user, login):
    login(make_user(roles=("coordinator",), offices=()))
    assert "Personliga API-nycklar" not in client.get("/account").get_data(as_text=True)
    response = client.post("/account/tokens", data={"token-name": "x", "token-days": "30"})
    assert response.status_code == 403
