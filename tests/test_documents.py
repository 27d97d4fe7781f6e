"""PDF documents: the requester's summary, the internal record and the statistics report.

Each PDF is read back with pypdf: what must be in it, what must never be, who may open
it, and that a repeated download comes from the cache until the case changes.
"""

from __future__ import annotations

import logging
import re
import sys
import types
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader
from sqlalchemy import func, select

from advice import pdf
from advice.accounts.models import User
from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
from advice.audit.models import AuditEvent
from advice.cases.models import Case, CaseArticle, CaseEntry
from advice.cases.services import add_note, reply_to_requester, requester_message
from advice.clock import utcnow
from advice.documents import cache
from advice.documents.stats_report import render_stats_report
from advice.extensions import db
from advice.knowledge.models import Article
from advice.mail.models import OutboxMessage
from tests.factories import new_case

QUESTION = "Vi funderar på att byta direktverkande el mot en luft/vatten-värmepump."
REPLY = "En luft/vatten-värmepump passar bra i ert hus. Räkna med 120 000–160 000 kronor."
FOLLOW_UP = "Tack! Behöver vi bygglov för utedelen?"
NOTE = "Internt: frågeställaren verkar tveksam, ring upp om en vecka."
OTHER_QUESTION = "Hur fungerar skattereduktionen för solceller på ett garagetak?"
ADVISER_NAME = "Märta Ångström"


# Helpers --------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of every page, with the non-breaking spaces of number formats as spaces."""
    reader = PdfReader(BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\u00a0\u202f]", " ", text)


def flat(text: str) -> str:
    """Line breaks as spaces, so that a wrapped sentence can be found whole."""
    return re.sub(r"\s+", " ", text)


def page_count(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def _audit_actions(case_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def adviser(make_user):
    return make_user(name=ADVISER_NAME, offices=("stockholm",))


@pytest.fixture
def outsider(make_user):
    return make_user(name="Erik Johansson", offices=("sodertorn",))


@pytest.fixture
def answered_case(app: Flask, adviser) -> dict[str, Any]:
    """A Stockholm case about heating with a reply, a follow-up question and a note."""
    with app.app_context():
        user = db.session.get(User, adviser.id)
        created = new_case(question=QUESTION)
        case = created.case
        reply_to_requester(case, user, REPLY, minutes=20)
        requester_message(case, FOLLOW_UP)
        add_note(case, user, NOTE)
        # Another case of the same requester: it must not leak into this one's summary.
        new_case(question=OTHER_QUESTION)
        db.session.commit()
        return {"id": case.id, "reference": case.reference, "token": created.tracking_token}


# The summary -----------------------------------------------------------------------------


def test_summary_holds_question_advice_names_and_next_steps_but_no_internal_note(
    app, client, adviser, login, answered_case
):
    login(adviser)
    response = client.get(f"/cases/{answered_case['reference']}/summary.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    text = flat(pdf_text(response.data))
    assert answered_case["reference"] in text
    assert QUESTION in text
    assert REPLY in text
    assert FOLLOW_UP in text, text  # the requester's own follow-up, as context for the answer
    assert "Åsa Öberg" in text  # the requester, greeted by name
    assert ADVISER_NAME in text
    assert "Energi- och klimatrådgivningen Stockholm" in text
    assert "08-508 00 000" in text  # the office's contact details
    assert "Begär offerter från minst tre installatörer" in text  # a heating next step
    assert "Sida 1 av" in text
    assert NOTE not in text
    assert "Internt" not in text
    assert OTHER_QUESTION not in text
    assert "070-123 45 67" not in text  # the requester's phone is no part of the advice


def test_summary_metadata_names_title_author_language_and_is_tagged_with_fonts_embedded(
    app, client, adviser, login, answered_case
):
    login(adviser)
    data = client.get(f"/cases/{answered_case['reference']}/summary.pdf").data

    reader = PdfReader(BytesIO(data))
    assert answered_case["reference"] in reader.metadata.title
    assert ADVISER_NAME in reader.metadata.author
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "sv"
    assert "/StructTreeRoot" in catalog  # tagged for screen readers
    assert catalog["/MarkInfo"]["/Marked"]
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor  # the font itself is in the file
        assert "Doc-Sans" in str(font["/BaseFont"])  # DejaVu, as print.css names it


def test_summary_of_an_english_case_is_in_english_dates_and_language(app, client, adviser, login):
    with app.app_context():
        case = new_case(language="en", question="Should we insulate the attic first?").case
        reply_to_requester(case, db.session.get(User, adviser.id), "Yes, start with the attic.")
        db.session.commit()
        reference, received = case.reference, case.received_at
    login(adviser)
    data = client.get(f"/cases/{reference}/summary.pdf").data

    reader = PdfReader(BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    text = flat(pdf_text(data))
    assert received.strftime("%B") in text  # an English month name
    assert "Yes, start with the attic." in text


def test_requester_gets_the_summary_from_the_tracking_page_once_answered(
    app, client, adviser, answered_case
):
    with app.app_context():
        unanswered = new_case(question="Hur stor ska min varmvattenberedare vara?")
        db.session.commit()
        unanswered_token = unanswered.tracking_token
    assert "summary.pdf" not in client.get(f"/track/{unanswered_token}").get_data(as_text=True)

    token = answered_case["token"]
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert f'href="/track/{token}/summary.pdf"' in page

    response = client.get(f"/track/{token}/summary.pdf")
    assert response.status_code == 200
    text = flat(pdf_text(response.data))
    assert REPLY in text
    assert NOTE not in text
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.summary_viewed")
        ).one()
        assert event.actor_label == "requester"
        assert event.case_id == answered_case["id"]


def test_linked_public_articles_are_listed_with_their_public_addresses(
    app, client, adviser, login, answered_case, monkeypatch
):
    article = types.SimpleNamespace(
        title="Välj rätt värmepump",
        slug="valj-ratt-varmepump",
        summary="Så jämför du luft/vatten, bergvärme och frånluft.",
    )
    knowledge = types.ModuleType("advice.knowledge.services")
    knowledge.linked_public_articles = lambda case: [article]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "advice.knowledge.services", knowledge)
    login(adviser)

    text = flat(pdf_text(client.get(f"/cases/{answered_case['reference']}/summary.pdf").data))

    assert "Välj rätt värmepump" in text
    assert "Så jämför du luft/vatten, bergvärme och frånluft." in text
    assert "/kb/valj-ratt-varmepump" in text.replace(" ", "")


def test_record_lists_every_linked_article_internal_ones_too(
    app, client, adviser, login, answered_case
):
    with app.app_context():
        for slug, title, audience in (
            ("solceller-pa-garaget", "Solceller på garaget", "public"),
            ("intern-checklista-varmepump", "Intern checklista för värmepumpsfrågor", "internal"),
        ):
            article = Article(
                slug=slug, title=title, audience=audience, status="published", published_at=utcnow()
            )
            db.session.add(article)
            db.session.flush()
            db.session.add(CaseArticle(case_id=answered_case["id"], article_id=article.id))
        db.session.commit()
    login(adviser)

    text = flat(pdf_text(client.get(f"/cases/{answered_case['reference']}/record.pdf").data))

    assert "Solceller på garaget" in text
    assert "Intern checklista för värmepumpsfrågor" in text


# The internal record -------------------------------------------------------------------


def test_record_holds_the_whole_timeline_notes_and_attachments_and_is_audited(
    app, client, adviser, login, answered_case
):
    with app.app_context():
        case = db.session.get(Case, answered_case["id"])
        written = StoredFiles()
        store_attachment(
            case,
            CheckedUpload("elräkning-mars.pdf", "application/pdf", b"%PDF-1.4 faktura"),
            written,
            by_requester=True,
        )
        case.version += 1
        db.session.commit()
    login(adviser)
    response = client.get(f"/cases/{answered_case['reference']}/record.pdf")

    assert response.status_code == 200
    text = flat(pdf_text(response.data))
    for expected in (answered_case["reference"], QUESTION, REPLY, FOLLOW_UP, NOTE):
        assert expected in text
    assert "Åsa Öberg" in text and "asa.oberg@example.com" in text
    assert ADVISER_NAME in text
    assert "elräkning-mars.pdf" in text
    assert "Intern anteckning" in text
    assert "Intern handling" in text
    with app.app_context():
        assert "case.record_viewed" in _audit_actions(answered_case["id"])


def test_long_record_runs_over_several_numbered_pages(app, client, adviser, login):
    with app.app_context():
        user = db.session.get(User, adviser.id)
        case = new_case().case
        for number in range(1, 46):
            add_note(case, user, f"Anteckning nummer {number}: kontrollerade uppgifterna.\n" * 3)
        db.session.commit()
        reference = case.reference
    login(adviser)
    data = client.get(f"/cases/{reference}/record.pdf").data

    pages = page_count(data)
    assert pages >= 3
    text = pdf_text(data)
    assert f"Sida 1 av {pages}" in text
    assert f"Sida {pages} av {pages}" in text
    assert "Anteckning nummer 1:" in text and "Anteckning nummer 45:" in text


# Access ------------------------------------------------------------------------------------


def test_documents_are_refused_to_other_offices_anonymous_visitors_and_wrong_tokens(
    app, client, outsider, make_user, login, answered_case
):
    reference = answered_case["reference"]
    paths = [f"/cases/{reference}/summary.pdf", f"/cases/{reference}/record.pdf"]

    for path in paths:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert client.post(f"/cases/{reference}/send-summary").status_code == 302
    assert client.get("/track/not-the-token/summary.pdf").status_code == 404
    assert client.get(f"/track/{answered_case['token']}x/summary.pdf").status_code == 404

    login(outsider)
    for path in paths:
        assert client.get(path).status_code == 404
    assert client.post(f"/cases/{reference}/send-summary").status_code == 404

    client.post("/logout")
    login(make_user(roles=("coordinator",), offices=()))
    for path in paths:
        assert client.get(path).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# The cache ---------------------------------------------------------------------------------


def test_repeat_downloads_come_from_the_cache_until_the_case_changes(
    app, client, adviser, login, answered_case, monkeypatch
):
    renders: list[str] = []
    real_render = pdf.render

    def counting_render(template: str, *args: Any, **kwargs: Any) -> bytes:
        renders.append(template)
        return real_render(template, *args, **kwargs)

    monkeypatch.setattr(pdf, "render", counting_render)
    login(adviser)
    path = f"/cases/{answered_case['reference']}/summary.pdf"

    first = client.get(path)
    second = client.get(path)
    assert renders == ["pdf/summary.html"]
    assert second.data == first.data
    etag = first.headers["ETag"]
    assert etag == second.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "private" in first.headers["Cache-Control"]

    not_modified = client.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.data == b""
    assert renders == ["pdf/summary.html"]

    with app.app_context():
        case = db.session.get(Case, answered_case["id"])
        reply_to_requester(case, db.session.get(User, adviser.id), "Nej, utedelen kräver inget.")
        db.session.commit()
    third = client.get(path, headers={"If-None-Match": etag})
    assert third.status_code == 200
    assert third.headers["ETag"] != etag
    assert "Nej, utedelen kräver inget." in flat(pdf_text(third.data))
    assert renders == ["pdf/summary.html", "pdf/summary.html"]

    folder = Path(app.instance_path) / "pdf-cache" / str(answered_case["id"])
    assert [path.name.split("-")[0] for path in folder.glob("*.pdf")] == ["summary"]
    with app.app_context():
        viewed = _audit_actions(answered_case["id"]).count("case.summary_viewed")
    assert viewed == 4  # every download is audited, cached and 304 answers too


def test_cache_folder_follows_the_setting_and_forgetting_a_case_removes_its_files(
    app, client, adviser, login, answered_case, tmp_path
):
    shared = tmp_path / "shared-pdf-cache"
    app.config["PDF_CACHE_FOLDER"] = str(shared)
    login(adviser)
    client.get(f"/cases/{answered_case['reference']}/record.pdf")
    files = list((shared / str(answered_case["id"])).glob("record-*-sv-*.pdf"))
    assert len(files) == 1

    with app.app_context():
        cache.forget_case_documents(answered_case["id"])
    assert not (shared / str(answered_case["id"])).exists()


# Sending ----------------------------------------------------------------------------------


def test_send_summary_emails_the_pdf_to_the_requester_and_notes_it_in_the_timeline(
    app, client, adviser, login, answered_case
):
    login(adviser)
    response = client.post(f"/cases/{answered_case['reference']}/send-summary")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("#timeline")
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "summary")
        ).one()
        assert message.to_address == "asa.oberg@example.com"
        assert message.case_id == answered_case["id"]
        assert answered_case["reference"] in message.subject
        assert "/track/" in message.text_body
        (attachment,) = message.attachments
        assert attachment.content_type == "application/pdf"
        assert attachment.filename.endswith(".pdf")
        assert answered_case["reference"] in attachment.filename
        assert REPLY in flat(pdf_text(attachment.data))
        assert NOTE not in flat(pdf_text(attachment.data))
        case = db.session.get(Case, answered_case["id"])
        sent = [entry for entry in case.entries if entry.kind == "pdf_sent"]
        assert len(sent) == 1 and sent[0].author_id == adviser.id
        assert "case.summary_sent" in _audit_actions(case.id)
    page = client.get(f"/cases/{answered_case['reference']}").get_data(as_text=True)
    assert "Sammanfattning skickad" in page


def test_send_summary_without_an_email_address_sends_nothing(app, client, adviser, login):
    with app.app_context():
        case = new_case(contact=None).case
        reply_to_requester(case, db.session.get(User, adviser.id), "Ring oss gärna.")
        db.session.commit()
        reference, case_id = case.reference, case.id
    login(adviser)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "send-summary" not in page
    assert f'href="/cases/{reference}/summary.pdf"' in page
    assert f'href="/cases/{reference}/record.pdf"' in page

    response = client.post(f"/cases/{reference}/send-summary")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        kinds = db.session.scalars(select(CaseEntry.kind).where(CaseEntry.case_id == case_id))
        assert "pdf_sent" not in list(kinds)


@pytest.mark.csrf
def test_send_summary_form_carries_a_csrf_token_and_a_post_without_one_is_refused(
    app, client, adviser, login, answered_case
):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert token is not None
    client.post(
        "/login",
        data={"email": adviser.email, "password": adviser.password, "csrf_token": token.group(1)},
    )
    case_page = client.get(f"/cases/{answered_case['reference']}").get_data(as_text=True)
    form = re.search(r'<form[^>]+action="[^"]*/send-summary".*?</form>', case_page, re.S)
    assert form is not None and 'name="csrf_token"' in form.group(0)
    assert client.post(f"/cases/{answered_case['reference']}/send-summary").status_code == 400


# The renderer -------------------------------------------------------------------------------


def test_url_fetcher_refuses_local_files_and_remote_addresses():
    fetch = pdf.make_url_fetcher(pdf.asset_map())
    for url in (
        "file:///etc/passwd",
        "/etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "asset:fonts/../../../../etc/passwd",
        "ftp://example.org/file",
    ):
        with pytest.raises(pdf.FetchRefused):
            fetch(url)
    assert fetch("asset:fonts/DejaVuSans.ttf")["string"][:4] == b"\x00\x01\x00\x00"
    assert fetch("data:text/plain;base64,aGVq")["file_obj"].read() == b"hej"


def test_a_document_asking_for_etc_passwd_gets_nothing_from_the_disk(app, caplog):
    probe = (
        '{% extends "pdf/_layout.html" %}{% block content %}'
        '<p>Bilden</p><img src="file:///etc/passwd" alt="lösenord">'
        '<img src="http://127.0.0.1:9/spy.png" alt="spion">'
        "{% endblock %}"
    )
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"pdf/probe.html": probe}), app.jinja_env.loader]
    )
    with app.app_context(), caplog.at_level(logging.ERROR, logger="weasyprint"):
        data = pdf.render(
            "pdf/probe.html", {}, pdf.PdfMetadata(title="Prov", author="Test", language="sv")
        )
    assert "Bilden" in pdf_text(data)
    assert b"root:" not in data
    refusals = [
        record.getMessage()
        for record in caplog.records
        if "FetchRefused" in str(record.getMessage())
    ]
    assert any("file:///etc/passwd" in message for message in refusals)
    assert any("127.0.0.1" in message for message in refusals)
    assert image_count(data) == 0


def figure_alternatives(data: bytes) -> list[str]:
    """The alternative texts of the figures in the PDF's structure tree (its tags)."""
    found: list[str] = []

    def walk(element: Any) -> None:
        element = element.get_object()
        if not isinstance(element, dict):
            return
        if element.get("/S") == "/Figure":
            found.append(str(element.get("/Alt")))
        kids = element.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if kid is not None and not isinstance(kid, int):
                walk(kid)

    walk(PdfReader(BytesIO(data)).trailer["/Root"]["/StructTreeRoot"])
    return found


def image_count(data: bytes) -> int:
    """Images drawn anywhere in the PDF, inside form XObjects too."""

    def count(resources: Any) -> int:
        found = 0
        for xobject in resources.get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Image":
                found += 1
            elif "/Resources" in xobject:
                found += count(xobject["/Resources"])
        return found

    return sum(count(page["/Resources"]) for page in PdfReader(BytesIO(data)).pages)


def test_css_strings_cannot_close_the_style_element():
    assert str(pdf.css_string('Kontor "Syd" </style><script>')) == (
        '"Kontor \\"Syd\\" \\3c /style\\3e \\3c script\\3e "'
    )
    assert str(pdf.page_counter_content("Page %(page)s of %(pages)s")) == (
        '"Page " counter(page) " of " counter(pages)'
    )


# The statistics report -----------------------------------------------------------------------

CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100">'
    '<rect x="10" y="20" width="40" height="80" fill="#0d5c3d"/></svg>'
)


def test_stats_report_prints_each_table_with_swedish_numbers_and_its_chart(app):
    tables = {
        "by_month": {
            "title": "Ärenden per månad",
            "headers": ["Månad", "Ärenden", "Andel i tid (%)"],
            "rows": [["januari", 1234, 93.44], ["februari", 980, None]],
            "chart_svg": CHART,
        },
        "by_municipality": {
            "title": "Ärenden per kommun",
            "headers": ["Kommun", "Ärenden"],
            "rows": [["Upplands Väsby", 120], ["Österåker", 98]],
        },
    }
    with app.app_context():
        data = render_stats_report("januari–februari 2026", "Alla kommuner", tables, "sv")

    text = flat(pdf_text(data))
    for expected in ("Ärenden per månad", "Ärenden per kommun", "januari–februari 2026"):
        assert expected in text
    assert "1 234" in text and "93,44" in text  # Swedish grouping and decimal comma
    assert "Upplands Väsby" in text and "Österåker" in text
    reader = PdfReader(BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    assert "januari–februari 2026" in reader.metadata.title
    assert figure_alternatives(data) == [
        "Diagram: Ärenden per månad. Siffrorna finns i tabellen nedan."
    ]


def test_stats_report_takes_the_statistics_pages_list_of_tables_in_english(app):
    from advice.documents import render_stats_report as exported

    tables = [
        {
            "key": "months",
            "title": "Cases",
            "headers": ["Month", "Cases"],
            "rows": [["May", 1234.5]],
        },
        {"title": "Topics", "headers": ["Topic", "Cases"], "rows": [["Solar", 7]], "svg": CHART},
    ]
    with app.app_context():
        data = exported("May 2026", "", tables, "en")
    text = flat(pdf_text(data))
    assert "1,234.5" in text and "Solar" in text
    assert PdfReader(BytesIO(data)).trailer["/Root"]["/Lang"] == "en"
    assert len(figure_alternatives(data)) == 1


def test_a_document_the_pdf_ua_variant_refuses_is_still_written_tagged(app, monkeypatch, caplog):
    monkeypatch.setattr(pdf, "PDF_VARIANT", "pdf/no-such-variant")
    with app.app_context(), caplog.at_level(logging.ERROR, logger="advice.pdf"):
        data = render_stats_report("2026", "", {}, "sv")
    catalog = PdfReader(BytesIO(data)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert any("writing a tagged PDF instead" in record.getMessage() for record in caplog.records)
