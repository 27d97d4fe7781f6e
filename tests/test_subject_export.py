"""The data-subject export (registerutdrag): what it holds, as JSON and as PDF, and who
may make it (the rule in advice/privacy/export.py):

- an adviser: a contact with a case the adviser may open, with those cases only;
- an admin: any contact, with all of their cases;
- a coordinator: nobody.
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
from advice.audit.models import AuditEvent
from advice.cases.models import CaseEntry
from advice.extensions import db
from advice.mail.notifications import mail_case_received
from tests.factories import new_case

EMAIL = "asa.oberg@example.com"


@pytest.fixture
def contact(app: Any, client: Any) -> dict[str, Any]:
    """Åsa Öberg with two cases in Stockholm and one in Nacka (another office)."""
    with app.app_context():
        first = new_case(question="Hur mycket sparar en värmepump i ett hus från 1974?")
        case = first.case
        case.entries.append(
            CaseEntry(kind="reply", is_public=True, body="Räkna med att halvera elförbrukningen.")
        )
        case.entries.append(CaseEntry(kind="note", body="Ringde tillbaka, ingen svarade."))
        case.satisfaction, case.satisfaction_comment = 5, "Mycket bra råd, tack!"
        store_attachment(
            case,
            CheckedUpload("elräkning-år-2025.pdf", "application/pdf", b"%PDF-1.4 faktura"),
            StoredFiles(),
            by_requester=True,
        )
        mail_case_received(case, "https://example.org/track/x")
        second = new_case(question="Solceller på garagetaket?").case
        nacka = new_case(municipality_code="0182", question="Fönsterbyte i Nacka?").case
        db.session.commit()
        values = {
            "contact_id": case.contact_id,
            "stockholm": [case.reference, second.reference],
            "nacka": nacka.reference,
            "token": first.tracking_token,
        }
    client.post(f"/track/{values['token']}/erasure", data={"erasure-reason": "Radera mig."})
    client.get(f"/track/{values['token']}")
    return values


def _export(client: Any, contact_id: int, kind: str) -> Any:
    return client.get(f"/privacy/contacts/{contact_id}/export.{kind}")


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_an_adviser_finds_the_contact_by_email_and_sees_their_offices_cases(
    app, client, make_user, login, contact
):
    login(make_user(offices=("stockholm",)))
    assert client.get("/privacy/export").status_code == 200
    page = client.post("/privacy/export", data={"email": " ASA.Oberg@Example.com "})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Åsa Öberg" in html
    for reference in contact["stockholm"]:
        assert reference in html
    assert contact["nacka"] not in html
    assert f"/privacy/contacts/{contact['contact_id']}/export.pdf" in html
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "contact.looked_up")
        ).one()
        assert event.details == {"found": True}
        assert event.object_type == "Contact" and event.object_id == str(contact["contact_id"])


def test_an_unknown_email_and_another_offices_contact_look_the_same(
    app, client, make_user, login, contact
):
    login(make_user(offices=("norrort",)))
    unknown = client.post("/privacy/export", data={"email": "nobody@example.com"})
    elsewhere = client.post("/privacy/export", data={"email": EMAIL})
    for response in (unknown, elsewhere):
        html = response.get_data(as_text=True)
        assert "Det finns ingen kontakt med den e-postadressen" in html
        assert "export.pdf" not in html
    with app.app_context():
        details = list(
            db.session.scalars(
                select(AuditEvent.details).where(AuditEvent.action == "contact.looked_up")
            )
        )
        assert details == [{"found": False}, {"found": False}]
    assert _export(client, contact["contact_id"], "json").status_code == 404
    assert _export(client, contact["contact_id"], "pdf").status_code == 404


def test_the_json_export_holds_everything_about_the_contact_in_the_advisers_offices(
    app, client, make_user, login, contact
):
    login(make_user(name="Hanna Hemma", offices=("stockholm",)))
    response = _export(client, contact["contact_id"], "json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))

    assert data["scope"] == "offices"
    assert data["generated_by"] == "Hanna Hemma"
    assert data["contact"] == {
        "name": "Åsa Öberg",
        "email": EMAIL,
        "phone": "070-123 45 67",
        "language": "sv",
        "created_at": data["contact"]["created_at"],
    }
    assert [case["reference"] for case in data["cases"]] == contact["stockholm"]
    first = data["cases"][0]
    assert first["question"] == "Hur mycket sparar en värmepump i ett hus från 1974?"
    texts = {entry["kind"]: entry["text"] for entry in first["timeline"]}
    assert texts["reply"] == "Räkna med att halvera elförbrukningen."
    assert texts["note"] == "Ringde tillbaka, ingen svarade."
    assert texts["erasure_request"] == "Radera mig."
    assert first["satisfaction"] == {"score": 5, "comment": "Mycket bra råd, tack!"}
    assert first["erasure"]["awaiting_decision_since"]
    assert [request["text"] for request in first["erasure"]["requests"]] == ["Radera mig."]
    assert first["consent"]["privacy_notice_version"] == "2026-01"
    (attachment,) = first["attachments"]
    assert attachment["filename"] == "elräkning-år-2025.pdf" and attachment["from_requester"]
    assert "storage_key" not in attachment
    assert len(first["tracking_links_created"]) == 1
    (email,) = first["emails_to_requester"]
    assert email["to"] == EMAIL and email["kind"] == "case_received"
    actions = {(event["action"], event["case"]) for event in data["audit_events"]}
    assert ("case.created", contact["stockholm"][0]) in actions
    assert ("case.tracking_viewed", contact["stockholm"][0]) in actions
    assert ("case.erasure_requested", contact["stockholm"][0]) in actions
    assert all(event["case"] != contact["nacka"] for event in data["audit_events"])
    # Nothing that is not the requester's: no token hashes, no staff addresses.
    raw = response.get_data(as_text=True)
    assert "token_hash" not in raw and "127.0.0.1" not in raw


def test_the_pdf_export_reads_in_swedish_with_every_letter(app, client, make_user, login, contact):
    login(make_user(offices=("stockholm",)))
    response = _export(client, contact["contact_id"], "pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = _pdf_text(response.data)
    for expected in (
        "Registerutdrag",
        "Åsa Öberg",
        EMAIL,
        "Hur mycket sparar en värmepump i ett hus från 1974?",
        "Räkna med att halvera elförbrukningen.",
        "elräkning-år-2025.pdf",
        "Mycket bra råd, tack!",
        "Begäran om radering",
        "Vem har hanterat uppgifterna",
        *contact["stockholm"],
    ):
        assert expected in text, expected
    assert contact["nacka"] not in text
    reader = PdfReader(BytesIO(response.data))
    assert reader.metadata.title == "Registerutdrag för Åsa Öberg"


def test_an_admin_exports_every_case_of_the_contact(app, client, make_user, login, contact):
    login(make_user(roles=("admin",), offices=()))
    page = client.post("/privacy/export", data={"email": EMAIL}).get_data(as_text=True)
    assert contact["nacka"] in page
    data = json.loads(_export(client, contact["contact_id"], "json").get_data(as_text=True))
    assert data["scope"] == "region"
    assert [case["reference"] for case in data["cases"]] == [
        *contact["stockholm"],
        contact["nacka"],
    ]
    assert _export(client, contact["contact_id"], "pdf").status_code == 200


def test_a_coordinator_may_not_export(app, client, make_user, login, contact):
    login(make_user(roles=("coordinator",), offices=()))
    assert client.get("/privacy/export").status_code == 403
    assert client.post("/privacy/export", data={"email": EMAIL}).status_code == 403
    assert _export(client, contact["contact_id"], "json").status_code == 403


def test_an_assignee_from_another_office_exports_the_case_assigned_to_them(
    app, client, make_user, login, contact
):
    from advice.cases.models import Case

    other = make_user(offices=("norrort",))
    with app.app_context():
        case = db.session.scalars(
            select(Case).where(Case.reference == contact["stockholm"][1])
        ).one()
        case.assignee_id = other.id
        db.session.commit()
    login(other)
    data = json.loads(_export(client, contact["contact_id"], "json").get_data(as_text=True))
    assert [case["reference"] for case in data["cases"]] == [contact["stockholm"][1]]


def test_every_export_is_audited_and_listed_in_the_next(app, client, make_user, login, contact):
    login(make_user(offices=("stockholm",)))
    _export(client, contact["contact_id"], "pdf")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "contact.exported")
        ).one()
        assert event.object_type == "Contact"
        assert event.object_id == str(contact["contact_id"])
        assert event.details == {
            "format": "pdf",
            "scope": "offices",
            "cases": contact["stockholm"],
        }
    data = json.loads(_export(client, contact["contact_id"], "json").get_data(as_text=True))
    assert "contact.exported" in {event["action"] for event in data["audit_events"]}


def test_an_anonymised_contact_has_nothing_left_to_export(app, client, make_user, login):
    from advice.privacy.services import anonymise_case

    with app.app_context():
        case = new_case().case
        contact_id = case.contact_id
        anonymise_case(case, reason="retention")
        db.session.commit()
    login(make_user(roles=("admin",), offices=()))
    assert _export(client, contact_id, "json").status_code == 404
