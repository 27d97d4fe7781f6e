"""The four journeys of the product, in a real browser against a real server, on both
databases; every step leaves a screenshot under test-artifacts/browser/."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from advice.cases.models import Case
from advice.extensions import db
from tests.browser.harness import new_context, sign_in
from tests.browser.journeys import (
    fill_question,
    make_staff,
    photo_jpeg,
    received_reference,
    unique_email,
)
from tests.browser.live_server import LiveServer
from tests.factories import new_case

TRACKING_LINK = re.compile(r"http://127\.0\.0\.1:\d+/track/[A-Za-z0-9_-]+")


def test_a_citizen_asks_with_a_photo_sees_a_suggested_article_and_gets_a_reference(
    server: LiveServer, page: Any, shot: Any
) -> None:
    email = unique_email("asa")
    page.goto("/")
    shot(page, "start-page")
    page.get_by_role("link", name="Ställ en fråga").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ställ en fråga om energi och klimat")

    fill_question(page, email)
    suggestions = page.locator("[data-kb-suggest-results]")
    expect(suggestions.get_by_role("heading")).to_have_text(
        "Artiklar som kanske svarar på din fråga"
    )
    # Three articles for the question; one of them is about heat pumps.
    expect(suggestions.get_by_role("listitem")).to_have_count(3)
    expect(suggestions.get_by_role("link").filter(has_text="värmepump").first).to_be_visible()
    shot(page, "question-with-suggested-articles")
    # The ticked topics lead: with solar power ticked instead, a solar article comes first.
    page.get_by_label("Uppvärmning och värmepumpar").uncheck()
    page.get_by_label("Solel och solvärme").check()
    expect(suggestions.get_by_role("link").first).to_contain_text(re.compile(r"\bsol", re.I))
    page.get_by_label("Solel och solvärme").uncheck()
    page.get_by_label("Uppvärmning och värmepumpar").check()
    expect(suggestions.get_by_role("link").first).to_contain_text(re.compile("värmepump", re.I))

    page.get_by_label("Bilagor (frivilligt)").set_input_files(
        {"name": "element-under-fonstret.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    )
    shot(page, "photo-attached")
    page.get_by_role("button", name="Skicka frågan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tack! Vi har tagit emot din fråga")
    reference = received_reference(page)
    expect(page.get_by_role("link", name="/track/")).to_be_visible()
    shot(page, "reference-received")

    def stored() -> tuple[str, list[tuple[str, str]]]:
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        return case.contact.email, [(a.filename, a.content_type) for a in case.attachments]

    assert server.run(stored) == (email, [("element-under-fonstret.jpg", "image/jpeg")])
    receipt = server.wait_for_email(email)
    assert reference in str(receipt["Subject"])


def test_an_adviser_claims_replies_with_an_article_and_sends_the_pdf_the_citizen_answers(
    server: LiveServer, browser: Any, page: Any, shot: Any
) -> None:
    email = unique_email("bertil")
    page.goto("/ask")
    # Nynäshamn belongs to the Södertörn office: its queue holds this journey's case alone.
    fill_question(page, email, name="Bertil Svensson", municipality="Nynäshamn")
    page.get_by_role("button", name="Skicka frågan").click()
    reference = received_reference(page)
    adviser = make_staff(server, "Hanna Rådgivare", offices=("sodertorn",))

    staff = new_context(browser, server)
    desk = staff.new_page()
    sign_in(desk, adviser.email)
    desk.goto("/queue")
    row = desk.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Ny")
    shot(desk, "queue-with-the-new-case")
    row.get_by_role("button", name=f"Ta {reference}").click()
    # The claim opens the case, now the adviser's.
    expect(desk.get_by_text(f"Du har tagit ärendet {reference}.")).to_be_visible()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(desk.locator(".facts").first).to_contain_text(adviser.name)
    shot(desk, "case-claimed")
    reply = desk.get_by_label("Svar till frågeställaren")
    reply.fill("Hej Bertil! En luft/vatten-värmepump passar ofta i ett hus som ert. Läs mer här:")
    desk.get_by_text("Infoga från kunskapsbanken").click()
    insert = desk.locator(".kb-insert")
    insert.get_by_label("Sök artikel").fill("värmepump")
    insert.get_by_role("button", name="Sök").click()
    insert.get_by_role("button", name="Infoga länk").first.click()
    expect(insert.get_by_role("status")).to_have_text("Infogat i svaret.")
    expect(reply).to_have_value(re.compile(r"Läs mer här:\n\n.+: http://127\.0\.0\.1:\d+/kb/\S+"))
    shot(desk, "reply-with-an-inserted-article")
    desk.get_by_label("Status efter svaret").select_option(label="Löst")
    desk.get_by_role("button", name="Skicka svaret").click()
    timeline = desk.locator("#timeline")
    expect(timeline).to_contain_text("Svar från rådgivaren")
    expect(timeline).to_contain_text("Hej Bertil!")
    shot(desk, "reply-sent")
    desk.get_by_role("button", name="Skicka sammanfattning").click()
    expect(desk.locator("#timeline")).to_contain_text("Sammanfattning skickad")
    shot(desk, "summary-sent")
    staff.close()

    summary_mail = server.wait_for_email(email, lambda mail: "sammanfattning" in mail["Subject"])
    attached = [part.get_filename() for part in summary_mail.iter_attachments()]
    assert len(attached) == 1 and attached[0].endswith(".pdf"), attached
    tracking_link = TRACKING_LINK.search(summary_mail.get_body(("plain",)).get_content())
    assert tracking_link, "no tracking link in the summary email"

    citizen = new_context(browser, server)
    home = citizen.new_page()
    home.goto(tracking_link.group(0))
    expect(home.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(home.locator("#timeline")).to_contain_text("Hej Bertil!")
    shot(home, "tracking-page-with-the-reply")
    # The PDF opens in the browser's viewer (the app serves it inline); the viewer keeps
    # the bytes to itself, so they are fetched again with the same browser context.
    link = home.get_by_role("link", name="Ladda ner sammanfattningen (PDF)")
    with home.expect_response(re.compile(r"/summary\.pdf$")) as opened:
        link.click()
    assert opened.value.status == 200
    assert opened.value.headers["content-type"] == "application/pdf"
    pdf = citizen.request.get(opened.value.url).body()
    home.go_back()
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
    assert reference in text and "Hej Bertil!" in text
    home.get_by_label("4 – Nöjd").check()
    home.get_by_label("Kommentar (frivilligt)").fill("Tydligt svar, tack!")
    shot(home, "satisfaction-answered")
    home.get_by_role("button", name="Skicka svaret").click()
    expect(home.get_by_text("Tack för att du berättade hur nöjd du är")).to_be_visible()
    shot(home, "satisfaction-thanks")
    citizen.close()


def test_an_article_written_by_one_adviser_is_published_by_a_colleague_and_found_inflected(
    server: LiveServer, browser: Any, page: Any, shot: Any
) -> None:
    author = make_staff(server, "Anders Författare")
    colleague = make_staff(server, "Karin Granskare", offices=("sodertorn",))
    title = f"Pelletskamin i fritidshuset {uuid.uuid4().hex[:6]}"

    sign_in(page, author.email)
    page.goto("/articles")
    page.get_by_role("link", name="Skriv en ny artikel").click()
    page.get_by_label("Rubrik").fill(title)
    page.get_by_label("Sammanfattning (frivilligt)").fill(
        "Vad en pelletskamin ger i ett fritidshus."
    )
    page.get_by_label("Text", exact=True).fill(
        "## Värme utan el\n\nPelletskaminer värmer ett fritidshus snabbt, även när elen är dyr.\n\n"
        "- Sotaren ska besiktiga installationen.\n- Förvara pellets torrt."
    )
    page.get_by_label("Uppvärmning och värmepumpar").check()
    shot(page, "article-written")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Utkastet är sparat.")).to_be_visible()
    page.get_by_role("button", name="Skicka på granskning").click()
    expect(page.get_by_text("Du har skrivit delar av texten. En kollega granskar")).to_be_visible()
    shot(page, "article-in-review-author-cannot-publish")
    article_url = page.url

    reviewer = new_context(browser, server)
    desk = reviewer.new_page()
    sign_in(desk, colleague.email)
    desk.goto(article_url)
    expect(desk.get_by_role("heading", level=1)).to_have_text(title)
    shot(desk, "colleague-reviews")
    desk.get_by_role("button", name="Publicera").click()
    expect(desk.get_by_text("Artikeln är publicerad.")).to_be_visible()
    shot(desk, "published")
    reviewer.close()

    citizen = new_context(browser, server)
    reader = citizen.new_page()
    reader.goto("/kb")
    reader.get_by_label("Sök i kunskapsbanken").fill("pelletskaminen")
    reader.get_by_role("button", name="Sök").click()
    found = reader.get_by_role("link", name=title)
    expect(found).to_be_visible()
    shot(reader, "found-by-an-inflected-word")
    found.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(title)
    expect(reader.locator("main")).to_contain_text("Pelletskaminer värmer ett fritidshus")
    shot(reader, "public-article")
    citizen.close()


def test_the_coordinator_narrows_statistics_to_one_municipality_and_downloads_them(
    server: LiveServer, page: Any, shot: Any
) -> None:
    coordinator = make_staff(server, "Maria Processledare", roles=("coordinator",), offices=())

    def cases_in_two_municipalities() -> None:
        for code in ("0180", "0180", "0182"):
            new_case(municipality_code=code)
        db.session.commit()

    server.run(cases_in_two_municipalities)

    sign_in(page, coordinator.email)
    page.goto("/stats")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik")
    shot(page, "whole-region")
    page.get_by_label("Kommun", exact=True).select_option(label="Nacka")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator(".page-header")).to_contain_text("Nacka")
    shot(page, "one-municipality")

    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="Siffrorna som Excel (XLSX)").click()
    xlsx = xlsx_info.value
    assert xlsx.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()), read_only=True)
    cells = " ".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "Nacka" in cells
    workbook.close()

    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Rapport som PDF").click()
    report = pdf_info.value
    assert report.suggested_filename.endswith(".pdf")
    reader = PdfReader(report.path())
    assert "Nacka" in "".join(pdf_page.extract_text() for pdf_page in reader.pages)
    shot(page, "downloads-done")
