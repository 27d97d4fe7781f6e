"""The public question form: whole or not at all, only once, with clear errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from advice.cases.models import Attachment, Case, CaseEntry, Contact, IdempotencyKey
from advice.extensions import db
from tests.factories import municipality_id, requester_type_id, topic_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def _form_token(client) -> str:
    html = client.get("/ask").get_data(as_text=True)
    match = re.search(r'name="submission" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="submission" name="submission" type="hidden" value="([^"]+)"', html
    )
    if match is None:
        match = re.search(r'name="submission"[^>]*value="([^"]+)"', html)
    assert match, "the form carries a one-time submission token"
    return match.group(1)


@pytest.fixture
def valid_form(app, client):
    def build(**overrides):
        with app.app_context():
            values = {
                "municipality": str(municipality_id("0180")),
                "requester_type": str(requester_type_id("private_house")),
                "topics": [str(topic_id("heating")), str(topic_id("grants"))],
                "question": "Vi har direktverkande el i en villa från 1974. Lönar sig bergvärme?",
                "property_type": "detached",
                "year_built": "1974",
                "heated_area_m2": "140",
                "heating_system": "direct_electric",
                "name": "Åsa Öberg",
                "email": "asa.oberg@example.com",
                "phone": "070-123 45 67",
                "language": "sv",
                "consent": "y",
                "website": "",
                "submission": _form_token(client),
            }
        values.update(overrides)
        return values

    return build


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_question_becomes_a_case_routed_to_the_municipalitys_office(app, client, valid_form):
    response = client.post("/ask", data=valid_form())
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert re.search(r"EK-\d{4}-\d{5}", html)
    assert "/track/" in html
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        assert case.office.code == "stockholm"
        assert case.channel.code == "web"
        assert case.status == "new"
        assert {topic.code for topic in case.topics} == {"heating", "grants"}
        assert (case.year_built, case.heated_area_m2) == (1974, 140)
        assert case.contact.email_normalised == "asa.oberg@example.com"
        assert case.contact.phone_normalised == "+46701234567"
        assert case.consent_notice_version
        assert case.first_response_due_at > case.received_at


def test_the_tracking_link_on_the_confirmation_opens_the_case(app, client, valid_form):
    response = client.post("/ask", data=valid_form())
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(http://localhost/track/[^"]+)"', html).group(1)
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200
    assert "Lönar sig bergvärme?" in page.get_data(as_text=True)


def test_the_same_form_sent_twice_creates_one_case(app, client, valid_form):
    data = valid_form()
    first = client.post("/ask", data=data)
    second = client.post("/ask", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert _count(Case) == 1


def test_a_tampered_submission_token_keeps_the_text_and_creates_nothing(app, client, valid_form):
    response = client.post("/ask", data=valid_form(submission="forged.token"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Lönar sig bergvärme?" in html
    assert "Åsa Öberg" in html
    with app.app_context():
        assert _count(Case) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("question", "", "Skriv din fråga."),
        ("email", "", "Skriv din e-postadress"),
        ("email", "inte-en-adress", "namn@exempel.se"),
        ("name", "", "Skriv ditt namn."),
        ("municipality", "", "Välj den kommun"),
        ("topics", [], "Välj minst ett ämne."),
        ("consent", "", "godkänna behandlingen"),
        ("question", "x" * 100_000, "högst 10000 tecken"),
        ("question", "Hej\x00då", "tecken som inte kan sparas"),
        ("name", "Åsa\x1b[31m", "tecken som inte kan sparas"),
        ("year_built", "1066", "Ange ett byggår"),
        ("phone", "ring mig", "Ange telefonnumret"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_the_text_kept(
    app, client, valid_form, field, value, message
):
    response = client.post("/ask", data=valid_form(**{field: value}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.replace("\u202f", "").replace("\xa0", "").replace(" 000", "000")
    if field != "question":
        assert "Lönar sig bergvärme?" in html
    with app.app_context():
        assert _count(Case) == 0
        assert _count(Contact) == 0


def test_an_unknown_municipality_is_refused(app, client, valid_form):
    response = client.post("/ask", data=valid_form(municipality="999999"))
    assert response.status_code == 400


def test_the_honeypot_stops_bots_without_storing_anything(app, client, valid_form):
    response = client.post("/ask", data=valid_form(website="http://spam.example"))
    assert response.status_code == 400
    with app.app_context():
        assert _count(Case) == 0


def test_attachments_recognised_by_content_are_stored_outside_static(app, client, valid_form):
    data = valid_form()
    data["attachments"] = [
        (io.BytesIO(PNG), "elräkning.png"),
        (io.BytesIO(PDF), "energideklaration.pdf"),
    ]
    response = client.post("/ask", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        files = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(f.filename, f.content_type) for f in files] == [
            ("elräkning.png", "image/png"),
            ("energideklaration.pdf", "application/pdf"),
        ]
        stored = Path(app.instance_path) / "uploads" / files[0].storage_key
        assert stored.read_bytes() == PNG
        assert "static" not in str(stored)


def test_a_program_disguised_as_a_photo_is_refused_and_nothing_is_stored(app, client, valid_form):
    data = valid_form()
    data["attachments"] = [(io.BytesIO(JPEG), "hus.jpg"), (io.BytesIO(EXECUTABLE), "bild.jpg")]
    response = client.post("/ask", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "bild.jpg" in html
    assert "Välj filerna igen" in html
    assert "Lönar sig bergvärme?" in html
    with app.app_context():
        assert _count(Case) == 0
        assert _count(Attachment) == 0
    assert not (Path(app.instance_path) / "uploads").exists() or not any(
        p.is_file() for p in (Path(app.instance_path) / "uploads").rglob("*")
    )


# Werkzeug's test client spools a body this large to a temporary file it never closes.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_file_over_ten_megabytes_is_refused(app, client, valid_form):
    data = valid_form()
    data["attachments"] = [(io.BytesIO(PNG + b"\x00" * (10 * 1024 * 1024)), "stor.png")]
    response = client.post("/ask", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "större än 10 MB" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Case) == 0


def test_more_than_five_files_are_refused(app, client, valid_form):
    data = valid_form()
    data["attachments"] = [(io.BytesIO(PNG), f"bild{i}.png") for i in range(6)]
    response = client.post("/ask", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    with app.app_context():
        assert _count(Case) == 0


def test_a_request_larger_than_the_limit_gets_the_413_page(app, client, valid_form):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    data = valid_form(question="x" * 5000)
    response = client.post("/ask", data=data)
    assert response.status_code == 413


@pytest.mark.csrf
def test_a_post_without_the_csrf_token_is_refused(app, client, valid_form):
    data = valid_form()
    data.pop("csrf_token", None)
    response = client.post("/ask", data=data)
    assert response.status_code == 400
    with app.app_context():
        assert _count(Case) == 0


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_bulk_submissions_hit_the_rate_limit_with_the_text_kept(app, client, valid_form):
    app.config["INTAKE_RATE_LIMIT"] = "2 per minute"
    statuses = [client.post("/ask", data=valid_form()).status_code for _ in range(3)]
    assert statuses[:2] == [302, 302]
    assert statuses[2] == 429
    limited = client.post("/ask", data=valid_form(question="Min fjärde fråga om solceller"))
    assert "Min fjärde fråga om solceller" in limited.get_data(as_text=True)
    with app.app_context():
        assert _count(Case) == 2


def test_a_second_question_from_the_same_email_joins_the_same_contact(app, client, valid_form):
    client.post("/ask", data=valid_form())
    client.post("/ask", data=valid_form(email="ASA.OBERG@example.com", question="Solceller?"))
    with app.app_context():
        assert _count(Case) == 2
        assert _count(Contact) == 1


def test_the_form_is_offered_in_english(app, client):
    client.post("/language", data={"language": "en", "next": "/ask"})
    html = client.get("/ask").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Your question" in html


def test_idempotency_key_row_points_at_the_case(app, client, valid_form):
    client.post("/ask", data=valid_form())
    with app.app_context():
        key = db.session.scalars(select(IdempotencyKey)).one()
        assert key.case_id == db.session.scalars(select(Case.id)).one()
        assert _count(CaseEntry) == 0
