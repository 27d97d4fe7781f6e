"""Stored and reflected XSS: markup typed into any free-text field is shown as text.

One payload, tagged with the field it was typed into, goes into every free-text field
the service stores, through the real forms where there is one. Every page that shows the
field must show the payload as text: no <script> element and no on…= attribute of ours
in the parsed markup, and the payload's characters in the page's text. The PDF summary
must hold it as literal text, and the queued emails' HTML part must escape it too.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from urllib.parse import quote

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from advice.cases.contacts import ContactDetails
from advice.extensions import db
from advice.knowledge.models import Article
from advice.mail.models import OutboxMessage
from advice.regions.models import Office
from tests.conftest import TEST_PASSWORD
from tests.factories import new_case, topic_id

ATTACK = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'"


def payload(field: str) -> str:
    return f"XSS-{field} {ATTACK}"


class _Markup(HTMLParser):
    """Live elements and attributes, and the text, of a page as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}={value}>")
        if tag == "img" and ("src", "x") in attrs:
            self.live.append("<img src=x>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.live.append(f"<script>{data}</script>")
        if not self._in_script:
            self.text.append(data)


def check_html(html: str, fields: list[str], where: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    problems = [f"{where}: live markup {item}" for item in parser.live]
    text = "".join(parser.text)
    for field in fields:
        if payload(field) not in text:
            problems.append(f"{where}: {field} is not shown as text")
    return problems


def _sign_in(app: Flask, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def test_stored_markup_is_shown_as_text_everywhere(app: Flask, make_user: Any) -> None:
    home = make_user(name="Hanna Hemma", offices=("stockholm",))
    other = make_user(name="Börje Borta", offices=("sodertorn",))
    reviewer = make_user(name="Rita Granskare", offices=("stockholm",))
    coordinator = make_user(roles=("coordinator",), offices=())
    with app.app_context():
        created = new_case(
            question=payload("question"),
            contact=ContactDetails(
                name=payload("name"), email="asa.oberg@example.com", phone="070-123 45 67"
            ),
        )
        db.session.commit()
        reference, token = created.case.reference, created.tracking_token
        heating = topic_id()
        sodertorn = db.session.scalars(select(Office.id).where(Office.code == "sodertorn")).one()

    adviser = _sign_in(app, home.email)
    requester = app.test_client()
    case_url, track_url = f"/cases/{reference}", f"/track/{token}"

    assert adviser.post(f"{case_url}/claim").status_code == 302
    assert (
        requester.post(f"{track_url}/reply", data={"body": payload("follow_up")}).status_code == 302
    )
    posted = {
        "note": ("note", {"note-body": payload("note")}),
        "call": (
            "contact",
            {"contact-kind": "call", "contact-body": payload("call"), "contact-minutes": "10"},
        ),
        "reply": ("reply", {"reply-body": payload("reply"), "reply-status_after": "resolved"}),
    }
    for field, (action, data) in posted.items():
        assert adviser.post(f"{case_url}/{action}", data=data).status_code == 302, field
    assert (
        requester.post(
            f"{track_url}/satisfaction",
            data={"satisfaction-score": "4", "satisfaction-comment": payload("satisfaction")},
        ).status_code
        == 302
    )
    assert (
        requester.post(
            f"{track_url}/erasure", data={"erasure-reason": payload("erasure")}
        ).status_code
        == 302
    )

    problems: list[str] = []
    case_fields = ["question", "name", "follow_up", "note", "call", "reply", "erasure"]
    case_page = adviser.get(case_url)
    assert case_page.status_code == 200
    problems += check_html(case_page.get_data(as_text=True), case_fields, "case page")
    problems += check_html(adviser.get("/queue").get_data(as_text=True), [], "queue")
    tracking = requester.get(track_url)
    assert tracking.status_code == 200
    problems += check_html(
        tracking.get_data(as_text=True), ["question", "reply", "follow_up"], "tracking page"
    )

    summary = adviser.get(f"{case_url}/summary.pdf")
    assert summary.status_code == 200
    pdf = "".join(page.extract_text() for page in PdfReader(BytesIO(summary.data)).pages)
    flat_pdf = re.sub(r"\s+", "", pdf)
    for field in ("question", "name", "follow_up", "reply"):
        if re.sub(r"\s+", "", payload(field)) not in flat_pdf:
            problems.append(f"summary PDF: {field} is not literal text")

    # Handed over last: the case then belongs to the other office.
    assert (
        adviser.post(
            f"{case_url}/transfer",
            data={"transfer-office": str(sodertorn), "transfer-reason": payload("transfer")},
        ).status_code
        == 302
    )
    receiving = _sign_in(app, other.email)
    problems += check_html(
        receiving.get(case_url).get_data(as_text=True), ["transfer"], "case page (new office)"
    )
    problems += check_html(receiving.get("/queue").get_data(as_text=True), [], "queue (new office)")

    # Knowledge base: an article written with markup in every field, then published.
    author = _sign_in(app, home.email)
    created_article = author.post(
        "/articles/new",
        data={
            "title": payload("title"),
            "summary": payload("summary"),
            "body": payload("body"),
            "language": "sv",
            "audience": "public",
            "topics": [str(heating)],
            "action": "save",
        },
    )
    assert created_article.status_code == 302
    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        article_id, slug = article.id, article.slug
    assert author.post(f"/articles/{article_id}/submit").status_code == 302
    publisher = _sign_in(app, reviewer.email)
    assert (
        publisher.post(
            f"/articles/{article_id}/review", data={"action": "publish", "revision": "1"}
        ).status_code
        == 302
    )
    visitor = app.test_client()
    problems += check_html(visitor.get("/kb").get_data(as_text=True), ["title"], "/kb")
    problems += check_html(
        visitor.get(f"/kb/{slug}").get_data(as_text=True), ["title"], "/kb/<slug>"
    )
    problems += check_html(author.get("/articles").get_data(as_text=True), ["title"], "/articles")
    problems += check_html(
        author.get(f"/articles/{article_id}").get_data(as_text=True),
        ["title"],
        "/articles/<id>",
    )

    # A user's name, given by the coordinator in an invitation.
    manager = _sign_in(app, coordinator.email)
    with app.app_context():
        stockholm = db.session.scalars(select(Office.id).where(Office.code == "stockholm")).one()
    invited = manager.post(
        "/admin/users/invite",
        data={
            "email": "ny.radgivare@example.org",
            "name": payload("user_name"),
            "roles": ["adviser"],
            "offices": [str(stockholm)],
            "language": "sv",
        },
    )
    assert invited.status_code == 200
    problems += check_html(
        manager.get("/admin/users").get_data(as_text=True), ["user_name"], "/admin/users"
    )

    # The invited colleague is offered in the queue's filters, under that name.
    problems += check_html(adviser.get("/queue").get_data(as_text=True), ["user_name"], "queue")

    # Reflected: what is searched for is echoed back in the search forms.
    for where, url in (
        ("queue search", "/queue?q="),
        ("/kb search", "/kb?q="),
        ("/articles search", "/articles?q="),
    ):
        client = visitor if where.startswith("/kb") else author
        response = client.get(url + quote(payload("search")))
        problems += check_html(response.get_data(as_text=True), [], where)
        if payload("search") not in unescape(response.get_data(as_text=True)):
            problems.append(f"{where}: the search text is not echoed")

    with app.app_context():
        messages = {
            message.kind: message.html_body for message in db.session.scalars(select(OutboxMessage))
        }
    expected_in_mail = {
        "reply": ["name", "reply"],
        "case_resolved": ["name"],
        "invitation": ["user_name"],
    }
    assert expected_in_mail.keys() <= messages.keys(), sorted(messages)
    for kind, html in messages.items():
        assert html, f"the {kind} email has an HTML part"
        problems += check_html(html, expected_in_mail.get(kind, []), f"email {kind}")
    assert not problems, "\n".join(problems)
