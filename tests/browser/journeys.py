"""Steps the journeys share: a citizen's question, staff accounts, a photo."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from advice.extensions import db
from tests.browser.live_server import LiveServer
from tests.conftest import TEST_PASSWORD

REFERENCE = re.compile(r"[A-Z]{2}-\d{4}-\d{5}")
QUESTION = (
    "Vi har direktverkande el i en villa från 1974 och funderar på en värmepump. "
    "Vilken sorts värmepump passar oss, och vad kostar den att driva?"
)


@dataclass(frozen=True)
class Staff:
    email: str
    name: str
    password: str = TEST_PASSWORD


def unique_email(who: str) -> str:
    return f"{who}.{uuid.uuid4().hex[:10]}@example.com"


def make_staff(
    server: LiveServer,
    name: str,
    roles: tuple[str, ...] = ("adviser",),
    offices: tuple[str, ...] = ("stockholm",),
    language: str = "sv",
) -> Staff:
    """A new staff account on the server's database (unique e-mail address each time)."""
    from advice.accounts.services import create_user

    email = unique_email(name.split()[0].lower())

    def create() -> None:
        create_user(email, name, TEST_PASSWORD, roles, offices, language)
        db.session.commit()

    server.run(create)
    return Staff(email=email, name=name)


def photo_jpeg() -> bytes:
    """A small real JPEG: a radiator under a window, as a citizen might send."""
    image = Image.new("RGB", (160, 120), (226, 232, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 10, 120, 50), fill=(147, 197, 253), outline=(30, 41, 59), width=3)
    for x in range(30, 131, 12):
        draw.rectangle((x, 70, x + 7, 110), fill=(248, 250, 252), outline=(100, 116, 139))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def fill_question(
    page: Any, email: str, name: str = "Åsa Öberg", municipality: str = "Stockholm"
) -> None:
    """Fill in /ask (the page is open) with a question about heat pumps."""
    page.get_by_label("Kommun", exact=True).select_option(label=municipality)
    page.get_by_label("Privatperson i villa eller radhus").check()
    page.get_by_label("Uppvärmning och värmepumpar").check()
    page.get_by_label("Din fråga", exact=True).fill(QUESTION)
    page.get_by_label("Namn", exact=True).fill(name)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Jag har läst hur mina personuppgifter behandlas").check()


def received_reference(page: Any) -> str:
    text = page.locator("main .reference").inner_text()
    match = REFERENCE.search(text)
    assert match, text
    return match.group(0)
