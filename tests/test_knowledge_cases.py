"""Articles in case work: linking, the tracking page, reuse in replies, drafts from replies."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from advice.cases.models import CaseEntry
from advice.extensions import db
from advice.knowledge import services as kb
from advice.knowledge.models import Article
from tests.factories import new_case
from tests.test_knowledge import publish_article, two_advisers, user, write_article
from tests.test_pages import assert_no_inline_code


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, Any]:
    return two_advisers(make_user)


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _case_with_articles(app: Any, staff: Any) -> dict[str, Any]:
    author, reviewer = staff
    with app.app_context():
        created = new_case()
        db.session.commit()
        public = publish_article(author, reviewer, title="Luft/vatten-värmepump", summary="Kort.")
        internal = publish_article(
            author, reviewer, title="Intern checklista för värmepumpar", audience="internal"
        )
        draft = write_article(author, title="Utkast om värmepumpar")
        return {
            "reference": created.case.reference,
            "token": created.tracking_token,
            "public": public.id,
            "internal": internal.id,
            "draft": draft.id,
            "public_slug": public.slug,
        }


def test_adviser_links_articles_and_the_requester_sees_only_public_ones(
    app,
    client,
    staff,
    login,
):
    ids = _case_with_articles(app, staff)
    login(staff[0])
    reference = ids["reference"]
    page = _html(client.get(f"/cases/{reference}/articles?q=värmepumpar"))
    assert "Luft/vatten-värmepump" in page and "Intern checklista" in page
    assert "Utkast om värmepumpar" not in page  # only live articles can be linked
    assert_no_inline_code(page)
    for key in ("public", "internal"):
        response = client.post(f"/cases/{reference}/articles", data={"article_id": ids[key]})
        assert response.status_code == 302
    refused = client.post(
        f"/cases/{reference}/articles", data={"article_id": ids["draft"]}, follow_redirects=True
    )
    assert "Bara publicerade artiklar kan länkas" in _html(refused)

    case_page = _html(client.get(f"/cases/{reference}"))
    assert "Luft/vatten-värmepump" in case_page and "Intern checklista" in case_page
    assert 'id="linked-articles"' in case_page
    assert "Infoga från kunskapsbanken" in case_page
    assert_no_inline_code(case_page)

    tracking = _html(client.get(f"/track/{ids['token']}"))
    assert f'href="/kb/{ids["public_slug"]}"' in tracking
    assert "Intern checklista" not in tracking
    with app.app_context():
        from advice.cases.models import Case

        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert [a.id for a in kb.linked_public_articles(case)] == [ids["public"]]
        entries = [entry for entry in case.entries if entry.kind == "article_link"]
        assert len(entries) == 2 and entries[0].details["article_id"] == ids["public"]


def test_unlinking_and_archiving_hide_an_article_from_the_requester(
    app,
    client,
    staff,
    login,
):
    ids = _case_with_articles(app, staff)
    login(staff[0])
    reference = ids["reference"]
    client.post(f"/cases/{reference}/articles", data={"article_id": ids["public"]})
    with app.app_context():
        kb.archive(db.session.get(Article, ids["public"]), user(staff[1]))
        db.session.commit()
    assert ids["public_slug"] not in _html(client.get(f"/track/{ids['token']}"))
    client.post(f"/cases/{reference}/articles/{ids['public']}/unlink")
    page = _html(client.get(f"/cases/{reference}"))
    sidebar = page.split('id="linked-articles"', 1)[1].split("</section>", 1)[0]
    assert "Inga länkade artiklar." in sidebar


def test_an_adviser_of_another_office_cannot_link_articles(app, client, staff, make_user, login):
    ids = _case_with_articles(app, staff)
    login(make_user(offices=("sodertorn",)))
    assert client.get(f"/cases/{ids['reference']}/articles").status_code == 404
    assert (
        client.post(
            f"/cases/{ids['reference']}/articles", data={"article_id": ids["public"]}
        ).status_code
        == 404
    )


def test_a_reply_can_start_from_an_articles_link_or_text(app, client, staff, login):
    ids = _case_with_articles(app, staff)
    login(staff[0])
    reference = ids["reference"]
    with_link = _html(
        client.get(f"/cases/{reference}/reply-with-article?article={ids['public']}&mode=link")
    )
    assert f"Luft/vatten-värmepump: http://localhost/kb/{ids['public_slug']}" in with_link
    assert f'action="/cases/{reference}/reply"' in with_link
    with_text = _html(
        client.get(f"/cases/{reference}/reply-with-article?article={ids['internal']}&mode=text")
    )
    assert "En värmepump tar värme ur luften" in with_text
    # An internal article has no address for the requester, and a draft is not offered.
    assert (
        client.get(
            f"/cases/{reference}/reply-with-article?article={ids['internal']}&mode=link"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/cases/{reference}/reply-with-article?article={ids['draft']}").status_code
        == 404
    )
    found = client.get("/articles/reuse.json?q=värmepump").get_json()["articles"]
    by_title = {item["title"]: item for item in found}
    assert by_title["Luft/vatten-värmepump"]["link"].endswith(f"/kb/{ids['public_slug']}")
    assert by_title["Intern checklista för värmepumpar"]["link"] is None
    assert "En värmepump" in by_title["Intern checklista för värmepumpar"]["text"]


def test_a_good_reply_becomes_a_draft_article_without_personal_details(
    app,
    client,
    staff,
    login,
):
    author, _ = staff
    with app.app_context():
        created = new_case()
        case = created.case
        entry = CaseEntry(
            kind="reply",
            is_public=True,
            author_id=author.id,
            body=(
                f"Hej Åsa Öberg! Angående {case.reference}: en luft/vatten-värmepump passar.\n"
                "Ring mig på 070-123 45 67 eller skriv till asa.oberg@example.com. "
                "Huset på Storgatan 12 och personnummer 19800101-1234 behövs inte.\n"
                "Följ ärendet på https://example.org/track/abc123def."
            ),
        )
        case.entries.append(entry)
        db.session.commit()
        entry_id = entry.id
    login(author)
    response = client.post("/articles/from-reply", data={"entry": entry_id})
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        body = article.body_md
        assert article.status == "draft" and article.author_id == author.id
        for personal in (
            "Åsa",
            "Öberg",
            "070-123",
            "asa.oberg",
            "Storgatan 12",
            "19800101",
            "track/",
        ):
            assert personal not in body, personal
        assert "luft/vatten-värmepump passar" in body
        assert "[namn]" in body and "[e-post]" in body and "Huset på [adress] och" in body
        assert [topic.code for topic in article.topics] == ["heating"]
