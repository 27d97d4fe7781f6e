"""The public knowledge base: only live public articles, suggestions, votes and views."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from advice.extensions import db
from advice.knowledge import services as kb
from advice.knowledge.models import Article, ArticleVote
from tests.factories import topic_id
from tests.test_knowledge import publish_article, two_advisers, user, write_article
from tests.test_pages import assert_no_inline_code


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, Any]:
    return two_advisers(make_user)


WORD = "värmepumpsbyte"


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def hidden(app, staff):
    """Articles about WORD that the public must never reach, by slug."""
    author, reviewer = staff
    slugs = {}
    with app.app_context():
        body = f"Allt om {WORD} i villan."
        slugs["draft"] = write_article(author, title="Utkast om byte", body=body).slug
        in_review = write_article(author, title="Granskas om byte", body=body)
        kb.submit_for_review(in_review, user(author))
        slugs["in_review"] = in_review.slug
        slugs["internal"] = publish_article(
            author, reviewer, title="Internt om byte", body=body, audience="internal"
        ).slug
        archived = publish_article(author, reviewer, title="Arkiverat om byte", body=body)
        kb.archive(archived, user(reviewer))
        slugs["archived"] = archived.slug
        db.session.commit()
    return slugs


def test_internal_and_unpublished_articles_are_never_public(app, client, hidden):
    for slug in hidden.values():
        assert client.get(f"/kb/{slug}").status_code == 404
        assert client.post(f"/kb/{slug}/vote", data={"helpful": "yes"}).status_code == 404
    for path in ("/kb", f"/kb?q={WORD}", "/kb?q=byte"):
        html = _html(client.get(path))
        assert "om byte" not in html, path
    suggestions = client.post("/kb/suggest.json", data={"q": f"Hur gör man ett {WORD}?"})
    assert suggestions.get_json()["articles"] == []
    with app.app_context():
        assert kb.suggest(f"{WORD} i villan") == []


def test_staff_see_every_article_in_their_list(app, client, hidden, staff, login):
    login(staff[0])
    html = _html(client.get(f"/articles?q={WORD}"))
    for title in ("Utkast om byte", "Granskas om byte", "Internt om byte", "Arkiverat om byte"):
        assert title in html


def test_public_pages_browse_by_topic_search_and_read(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        article = publish_article(
            author,
            reviewer,
            title="Solceller på villan",
            summary="Storlek, läge och kostnad.",
            body=(
                "## Läge\n\nSöder är bäst för solceller.\n\n## Kostnad\n\nText.\n\n"
                "## Bidrag\n\nText."
            ),
            topics=("solar",),
        )
        publish_article(author, reviewer, title="In English", body="Heat pumps.", language="en")
        slug = article.slug
        from tests.factories import topic_id

        solar = topic_id("solar")
    index = _html(client.get("/kb"))
    assert f'href="/kb?topic={solar}"' in index
    assert "Solceller på villan" in index
    assert '<li class="kb-result" lang="en">' in index
    assert_no_inline_code(index)
    topic = _html(client.get(f"/kb?topic={solar}"))
    assert "Solceller på villan" in topic and "In English" not in topic
    found = _html(client.get("/kb?q=solcell"))
    assert "1 träff" in found and "<mark>" in found
    page = _html(client.get(f"/kb/{slug}"))
    assert '<h1 id="kb-article-title">Solceller på villan</h1>' in page
    assert '<a href="#lage">Läge</a>' in page  # a table of contents from the anchors
    assert 'id="vote"' in page
    assert_no_inline_code(page)
    assert client.get("/kb/finns-inte").status_code == 404


def test_suggestions_give_the_three_best_public_articles_as_json(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        titles = {
            "Luftvärmepump": "En luftvärmepump värmer huset.",
            "Bergvärme": "Bergvärme med värmepump och borrhål.",
            "Värmepumpens underhåll": "Så sköter du värmepumpen.",
            "Frånluftsvärmepump": "Frånluft och värmepump i samma.",
            "Solceller": "Solceller på taket.",
        }
        for title, body in titles.items():
            publish_article(author, reviewer, title=title, body=body, summary="Sammanfattning.")
    response = client.post("/kb/suggest.json", data={"q": "Vi funderar på en värmepump till huset"})
    data = response.get_json()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(data["articles"]) == 3
    assert {"title", "summary", "url", "language"} <= set(data["articles"][0])
    assert all(item["url"].startswith("/kb/") for item in data["articles"])
    assert "Solceller" not in {item["title"] for item in data["articles"]}
    assert data["search_url"] == "/kb"
    # GET works too, and too little text gives nothing.
    assert client.get("/kb/suggest.json?q=värmepump").get_json()["articles"]
    assert client.get("/kb/suggest.json?q=vä").get_json()["articles"] == []


def test_suggestions_put_the_articles_of_the_ticked_topics_first(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        solar = "Solceller på villan – vad kostar de?"
        heat_pump = "Värmepump"
        publish_article(
            author,
            reviewer,
            title=solar,
            body="Solceller på villans tak: vad kostar de, och passar taket på villan?",
            topics=("solar",),
        )
        publish_article(
            author,
            reviewer,
            title=heat_pump,
            body="En värmepump tar värme ur luften, marken eller berget.",
            topics=("heating",),
        )
        ids = {code: topic_id(code) for code in ("heating", "solar")}
    question = "Vad kostar en värmepump som passar villan?"

    def titles(*topics: str) -> list[str]:
        data = {"q": question, "topic": [str(ids[code]) for code in topics]}
        answer = client.post("/kb/suggest.json", data=data).get_json()
        return [item["title"] for item in answer["articles"]]

    assert titles("heating") == [heat_pump, solar]
    assert titles("solar") == [solar, heat_pump]
    assert set(titles()) == {solar, heat_pump}  # no topic: by the words alone
    # A topic number that is not one, or another topic's articles: nothing breaks.
    data = {"q": question, "topic": ["x", "999999"]}
    assert len(client.post("/kb/suggest.json", data=data).get_json()["articles"]) == 2


def test_the_question_form_offers_suggestions_without_inline_script(client):
    html = _html(client.get("/ask"))
    assert 'data-kb-suggest data-source="/kb/suggest.json" data-input="question"' in html
    assert re.search(r'<script src="/static/js/knowledge\.js(\?v=\w+)?" defer></script>', html)
    assert 'href="/kb" target="_blank" rel="noopener"' in html  # without JavaScript
    assert_no_inline_code(html)


def test_the_script_is_served(client):
    response = client.get("/static/js/knowledge.js")
    assert response.status_code == 200
    assert "javascript" in response.content_type
    response.close()


@pytest.mark.csrf
def test_the_suggestion_endpoint_needs_no_csrf_token_and_changes_nothing(client):
    assert client.post("/kb/suggest.json", data={"q": "värmepump"}).status_code == 200


# --- Votes --------------------------------------------------------------------------------


def test_one_vote_per_visitor_and_article(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        slug = publish_article(author, reviewer).slug
    first = client.post(f"/kb/{slug}/vote", data={"helpful": "yes"})
    assert first.status_code == 302
    cookie = client.get_cookie("advice_kb_visitor")
    assert cookie is not None and cookie.http_only
    again = client.post(f"/kb/{slug}/vote", data={"helpful": "no"}, follow_redirects=True)
    assert "Du har redan svarat" in _html(again)
    assert "Tack, du har svarat." in _html(client.get(f"/kb/{slug}"))
    other_visitor = app.test_client()
    other_visitor.post(f"/kb/{slug}/vote", data={"helpful": "no"})
    with app.app_context():
        article = db.session.scalars(select(Article).where(Article.slug == slug)).one()
        assert (article.helpful_yes, article.helpful_no) == (1, 1)
        votes = db.session.scalars(select(ArticleVote)).all()
        assert len(votes) == 2
        # A keyed hash, never the cookie itself.
        assert cookie.value not in {vote.visitor for vote in votes}
        assert all(len(vote.visitor) == 64 for vote in votes)


def test_a_vote_must_say_yes_or_no(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        slug = publish_article(author, reviewer).slug
    assert client.post(f"/kb/{slug}/vote", data={"helpful": "maybe"}).status_code == 400


# Settings for single tests of this module, by test name.
SETTINGS = {
    "test_votes_are_rate_limited_per_client": {
        "RATELIMIT_ENABLED": True,
        "KNOWLEDGE_VOTE_RATE_LIMIT": "3 per minute",
    },
    "test_views_are_counted_in_memory_and_written_in_batches": {
        "KNOWLEDGE_VIEW_FLUSH_EVERY": 3,
        "KNOWLEDGE_VIEW_FLUSH_SECONDS": 3600,
    },
}


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(SETTINGS.get(request.node.originalname, {}))


def test_votes_are_rate_limited_per_client(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        slugs = [publish_article(author, reviewer, title=f"Artikel {n}").slug for n in range(4)]
    statuses = [
        app.test_client().post(f"/kb/{slug}/vote", data={"helpful": "yes"}).status_code
        for slug in slugs
    ]
    assert statuses == [302, 302, 302, 429]


# --- Views --------------------------------------------------------------------------------


def test_views_are_counted_in_memory_and_written_in_batches(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        slug = publish_article(author, reviewer).slug

    def stored() -> int:
        with app.app_context():
            return db.session.scalar(select(Article.view_count).where(Article.slug == slug))

    client.get(f"/kb/{slug}")
    client.get(f"/kb/{slug}")
    assert stored() == 0
    client.get(f"/kb/{slug}")
    assert stored() == 3
    client.get(f"/kb/{slug}")
    with app.app_context():
        assert kb.view_counter().flush() == 1
    assert stored() == 4


def test_a_flush_adds_to_what_other_processes_wrote(app, staff):
    author, reviewer = staff
    with app.app_context():
        article = publish_article(author, reviewer)
        first, second = kb.ViewCounter(flush_every=100), kb.ViewCounter(flush_every=100)
        for _ in range(3):
            first.add(article.id)
        second.add(article.id)
        first.flush()
        second.flush()
        assert db.session.scalar(select(func.sum(Article.view_count))) == 4
