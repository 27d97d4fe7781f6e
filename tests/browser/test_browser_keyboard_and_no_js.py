"""Everything works by keyboard, and without JavaScript, which only enhances.

The keyboard journey uses Tab, typing, Space and Enter only: no clicks, and nothing set
on the page directly, so each field must be reachable in the tab order and operable from
the keyboard. The no-JS journeys run in a context with JavaScript switched off.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from advice.cases.models import Case
from advice.extensions import db
from tests.browser.harness import new_context
from tests.browser.journeys import (
    QUESTION,
    make_staff,
    photo_jpeg,
    received_reference,
    unique_email,
)
from tests.browser.live_server import LiveServer

MAX_TABS = 80
PHOTO = {"name": "element.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}


def focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => document.activeElement.matches(s)", selector))


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_a_citizen_asks_a_question_with_the_keyboard_alone(
    server: LiveServer, page: Any, shot: Any
) -> None:
    email = unique_email("keyboard")
    # Playwright asks the browser to hand it file choosers only once something listens
    # for them, and sends that request without waiting for it: subscribed inside
    # expect_file_chooser, the Space below could reach the page first, opening a chooser
    # nobody sees (one run in four here). Listening from the start closes the race.
    page.on("filechooser", lambda chooser: None)
    page.goto("/")
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link"), "the skip link comes first"
    tab_to(page, "main a[href='/ask']")
    shot(page, "start-page-ask-link-focused")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ask$"))

    tab_to(page, "#municipality")
    page.keyboard.type("Stockholm")  # a closed select picks the option typed
    expect(page.locator("#municipality option:checked")).to_have_text("Stockholm")
    tab_to(page, "#requester_type-0")
    page.keyboard.press("Space")
    tab_to(page, "#topics-0")
    page.keyboard.press("Space")
    tab_to(page, "#question")
    page.keyboard.type(QUESTION)
    expect(page.locator("[data-kb-suggest-results] li")).to_have_count(3)
    tab_to(page, "#name")
    page.keyboard.type("Kerstin Tangentsson")
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#attachments")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(PHOTO)
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    shot(page, "form-filled-by-keyboard")
    tab_to(page, "main form[action='/ask'] button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Tack! Vi har tagit emot din fråga")
    reference = received_reference(page)
    shot(page, "reference-received")

    def stored() -> tuple[str, str, list[str], list[str]]:
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        return (
            case.municipality.name,
            case.contact.email,
            [topic.code for topic in case.topics],
            [attachment.filename for attachment in case.attachments],
        )

    assert server.run(stored) == ("Stockholm", email, ["heating"], ["element.jpg"])


def test_the_question_form_works_without_javascript(
    server: LiveServer, browser: Any, shot: Any
) -> None:
    context = new_context(browser, server, java_script_enabled=False)
    page = context.new_page()
    email = unique_email("nojs")
    page.goto("/ask")
    expect(page.get_by_text("Kanske finns svaret redan i")).to_be_visible()
    page.get_by_label("Kommun", exact=True).select_option(label="Stockholm")
    page.get_by_label("Bostadsrättsförening", exact=True).check()
    page.get_by_label("Solel och solvärme").check()
    page.get_by_label("Din fråga", exact=True).fill("Kan vår förening sätta solceller på taket?")
    page.get_by_label("Namn", exact=True).fill("Nils Utan Skript")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Bilagor (frivilligt)").set_input_files(PHOTO)
    page.get_by_label("Jag har läst hur mina personuppgifter behandlas").check()
    shot(page, "form-without-javascript")
    page.get_by_role("button", name="Skicka frågan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack! Vi har tagit emot din fråga")
    received_reference(page)
    shot(page, "reference-received")
    context.close()


def test_the_tracking_page_works_without_javascript(
    server: LiveServer, browser: Any, shot: Any
) -> None:
    adviser = make_staff(server, "Olle Rådgivare")

    def resolved_case() -> tuple[str, str]:
        from advice.accounts.models import User
        from advice.cases import services as cases
        from tests.factories import new_case

        user = db.session.scalars(select(User).where(User.email == adviser.email)).one()
        case = new_case().case
        cases.claim(case, user)
        cases.reply_to_requester(
            case, user, "Hej! Bergvärme passar bra hos er.", minutes=10, new_status="resolved"
        )
        token = cases.mint_tracking_token(case)
        db.session.commit()
        return case.reference, token

    reference, token = server.run(resolved_case)
    context = new_context(browser, server, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/track/{token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator("#timeline")).to_contain_text("Bergvärme passar bra")
    shot(page, "tracking-page-without-javascript")

    summary = page.get_by_role("link", name="Ladda ner sammanfattningen (PDF)")
    pdf = context.request.get(str(summary.get_attribute("href")))
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    page.get_by_label("Ditt meddelande").fill("Tack! Här är en bild på pannrummet.")
    page.get_by_label("Bifoga filer (frivilligt)").set_input_files(PHOTO)
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_text("Tack! Ditt meddelande är skickat till rådgivaren.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Här är en bild på pannrummet")
    shot(page, "requester-replied")

    # The reply reopened the case; the adviser resolves it again, and the requester says
    # how satisfied they are, still without JavaScript.
    def resolve_again() -> None:
        from advice.accounts.models import User
        from advice.cases import services as cases

        user = db.session.scalars(select(User).where(User.email == adviser.email)).one()
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        cases.change_status(case, user, "resolved")
        db.session.commit()

    server.run(resolve_again)
    page.reload()
    page.get_by_label("5 – Mycket nöjd").check()
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_text("Tack för att du berättade hur nöjd du är")).to_be_visible()
    shot(page, "satisfaction-without-javascript")
    context.close()
