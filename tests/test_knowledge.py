"""The knowledge base's writing and review: revisions, diffs and the review rule.

Also the helpers the other test_knowledge_* modules use to make articles.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from advice.accounts.models import User
from advice.audit.models import AuditEvent
from advice.extensions import db
from advice.knowledge import search
from advice.knowledge import services as kb
from advice.knowledge.models import Article, ArticleRevision
from tests.factories import topic_id


def user(ref: Any) -> User:
    return db.session.get(User, ref.id)


def write_article(
    author: Any,
    title: str = "Värmepump till villan",
    body: str = "En värmepump tar värme ur luften, marken eller berget.",
    *,
    summary: str = "",
    language: str = "sv",
    audience: str = "public",
    topics: tuple[str, ...] = ("heating",),
) -> Article:
    """A draft article written by ``author`` (a make_user reference); in an app context."""
    article = kb.create_article(
        kb.ArticleDraft(
            title=title,
            body_md=body,
            summary=summary,
            language=language,
            audience=audience,
            topic_ids=[topic_id(code) for code in topics],
        ),
        user(author),
    )
    db.session.commit()
    return article


def publish_article(author: Any, reviewer: Any, **fields: Any) -> Article:
    """An article written by ``author`` and published by ``reviewer``."""
    article = write_article(author, **fields)
    kb.submit_for_review(article, user(author))
    kb.publish(article, user(reviewer))
    db.session.commit()
    return article


def two_advisers(make_user: Any) -> tuple[Any, Any]:
    """An author and a colleague who reviews."""
    return make_user(name="Anna Författare"), make_user(name="Rita Granskare")


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, Any]:
    return two_advisers(make_user)


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


# --- Revisions and diffs ------------------------------------------------------------------


def test_every_save_keeps_a_revision_with_its_author_and_comment(app, staff):
    author, colleague = staff
    with app.app_context():
        article = write_article(author, body="Första texten.")
        draft = kb.ArticleDraft(
            title=article.title,
            body_md="Andra texten.",
            topic_ids=[topic_id("heating")],
            comment="Skrev om",
        )
        second = kb.save_article(article, draft, user(colleague))
        unchanged = kb.save_article(article, draft, user(colleague))
        db.session.commit()
        revisions = db.session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number)
        ).all()
        assert [r.number for r in revisions] == [1, 2]
        assert second is not None and unchanged is None
        assert revisions[0].body_md == "Första texten."
        assert revisions[0].author_id == author.id
        assert revisions[1].author_id == colleague.id
        assert revisions[1].comment == "Skrev om"
        assert article.body_md == "Andra texten."


def test_diff_between_any_two_revisions_marks_words_removed_and_added(app, staff):
    author, _ = staff
    with app.app_context():
        article = write_article(author, body="Rad ett.\nVärmepumpen är bra.\nRad tre.")
        for body in ("Rad ett.\nVärmepumpen är mycket bra.\nRad tre.", "Helt ny text."):
            kb.save_article(
                article,
                kb.ArticleDraft(title=article.title, body_md=body, topic_ids=[]),
                user(author),
            )
        db.session.commit()
        fields = kb.compare_revisions(kb.revision(article, 1), kb.revision(article, 2))
        body = fields[2]
        assert [f.changed for f in fields] == [False, False, True]
        removed = [line for line in body.lines if line.kind == "removed"]
        added = [line for line in body.lines if line.kind == "added"]
        assert removed[0].text == "Värmepumpen är bra."
        assert ("added", "mycket ") in added[0].words
        # Any two: the first against the third.
        whole = kb.compare_revisions(kb.revision(article, 1), kb.revision(article, 3))[2]
        assert {line.text for line in whole.lines if line.kind == "added"} == {"Helt ny text."}


def test_diff_page_escapes_what_the_author_typed(app, client, staff, login):
    author, _ = staff
    with app.app_context():
        article = write_article(author, body="Början.")
        kb.save_article(
            article,
            kb.ArticleDraft(
                title=article.title, body_md="Början.\n<script>alert(1)</script>", topic_ids=[]
            ),
            user(author),
        )
        db.session.commit()
        article_id = article.id
    login(author)
    html = _html(client.get(f"/articles/{article_id}/diff?from=1&to=2"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<ins>" in html and "Tillagt:" in html


# --- The review rule ----------------------------------------------------------------------


def test_author_cannot_publish_their_own_article_and_the_refusal_is_audited(app, staff):
    author, _ = staff
    with app.app_context():
        article = write_article(author)
        kb.submit_for_review(article, user(author))
        with pytest.raises(kb.KnowledgeError):
            kb.publish(article, user(author))
        db.session.commit()
        assert article.status == "in_review"
        assert not article.is_live
        refused = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "article.publish_refused")
        ).one()
        assert refused.actor_id == author.id
        assert refused.object_id == str(article.id)


def test_a_colleague_publishes_and_is_named_with_the_date(app, client, staff):
    author, colleague = staff
    with app.app_context():
        article = publish_article(author, colleague, title="Solceller på taket")
        assert article.status == "published"
        assert article.reviewer_id == colleague.id
        assert article.reviewed_at is not None
        published = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "article.published")
        ).one()
        assert published.actor_id == colleague.id
        assert published.details["author_id"] == author.id
        slug = article.slug
    html = _html(client.get(f"/kb/{slug}"))
    assert "Granskad av Rita Granskare den" in html


def test_whoever_edited_the_text_cannot_publish_it_either(app, staff, make_user):
    author, colleague = staff
    third = make_user(name="Tredje Rådgivare")
    with app.app_context():
        article = write_article(author)
        kb.save_article(
            article,
            kb.ArticleDraft(title=article.title, body_md="Rättad text.", topic_ids=[]),
            user(colleague),
        )
        kb.submit_for_review(article, user(colleague))
        with pytest.raises(kb.KnowledgeError):
            kb.publish(article, user(colleague))
        kb.publish(article, user(third))
        db.session.commit()
        assert article.is_live


def test_a_change_made_after_the_reviewer_opened_the_article_is_not_published(app, staff):
    author, colleague = staff
    with app.app_context():
        article = write_article(author)
        kb.submit_for_review(article, user(author))
        with pytest.raises(kb.KnowledgeError):
            kb.publish(article, user(colleague), revision_number=2)
        kb.publish(article, user(colleague), revision_number=1)
        assert article.is_live


def test_sending_back_needs_a_comment_that_the_author_then_sees(app, client, staff, login):
    author, colleague = staff
    with app.app_context():
        article = write_article(author)
        kb.submit_for_review(article, user(author))
        with pytest.raises(kb.KnowledgeError):
            kb.send_back(article, user(colleague), "  ")
        kb.send_back(article, user(colleague), "Lägg till ett exempel.")
        db.session.commit()
        assert article.status == "draft"
        article_id = article.id
    login(author)
    html = _html(client.get(f"/articles/{article_id}"))
    assert "Lägg till ett exempel." in html


def test_changes_to_a_live_article_wait_for_review_while_the_reviewed_text_stays(
    app, client, staff
):
    author, colleague = staff
    with app.app_context():
        article = publish_article(author, colleague, body="Granskad text om värmepumpar.")
        kb.save_article(
            article,
            kb.ArticleDraft(
                title=article.title, body_md="Ogranskad text om solceller.", topic_ids=[]
            ),
            user(author),
        )
        db.session.commit()
        assert article.is_live and article.status == "draft"
        assert kb.has_pending_changes(article)
        slug = article.slug
        public_hits = search.query(kb.PUBLIC_KIND, "solceller", restrict_to=kb.public_article_ids())
        staff_hits = search.query(kb.STAFF_KIND, "solceller")
        assert public_hits.doc_ids == []
        assert staff_hits.doc_ids == [article.id]
    html = _html(client.get(f"/kb/{slug}"))
    assert "Granskad text om värmepumpar." in html
    assert "Ogranskad" not in html
    with app.app_context():
        article = db.session.get(Article, article.id)
        kb.submit_for_review(article, user(author))
        kb.publish(article, user(colleague))
        db.session.commit()
    assert "Ogranskad text om solceller." in _html(client.get(f"/kb/{slug}"))


def test_making_a_live_internal_article_public_needs_a_new_review(app, client, staff):
    author, colleague = staff
    with app.app_context():
        article = publish_article(author, colleague, audience="internal")
        kb.save_article(
            article,
            kb.ArticleDraft(
                title=article.title, body_md=article.body_md, audience="public", topic_ids=[]
            ),
            user(author),
        )
        db.session.commit()
        assert not article.is_live
        slug = article.slug
    assert client.get(f"/kb/{slug}").status_code == 404


def test_archiving_takes_an_article_off_and_restoring_needs_review(app, client, staff):
    author, colleague = staff
    with app.app_context():
        article = publish_article(author, colleague)
        slug = article.slug
        kb.archive(article, user(colleague))
        db.session.commit()
    assert client.get(f"/kb/{slug}").status_code == 404
    with app.app_context():
        article = db.session.scalars(select(Article).where(Article.slug == slug)).one()
        kb.restore(article, user(colleague))
        db.session.commit()
        assert article.status == "draft" and not article.is_live
    assert client.get(f"/kb/{slug}").status_code == 404


# --- The staff pages ----------------------------------------------------------------------


def test_a_new_user_writes_a_colleague_publishes_and_citizens_find_it(app, client, staff, login):
    """The issue's "done when", through the pages."""
    author, colleague = staff
    with app.app_context():
        heating = topic_id("heating")
    login(author)
    form = {
        "title": "Värmepump eller fjärrvärme?",
        "summary": "Så jämför du två vanliga sätt att värma huset.",
        "body": "## Kostnad\n\nEn värmepump kostar mer att installera.",
        "language": "sv",
        "audience": "public",
        "topics": [str(heating)],
    }
    preview = client.post("/articles/new", data={**form, "action": "preview"})
    assert preview.status_code == 200
    assert '<h2 id="kostnad">Kostnad</h2>' in _html(preview)
    with app.app_context():
        assert db.session.scalar(select(Article.id)) is None  # a preview saves nothing
    created = client.post("/articles/new", data={**form, "action": "save"})
    assert created.status_code == 302
    article_path = created.headers["Location"]
    article_id = int(article_path.rsplit("/", 1)[1])
    assert client.post(f"/articles/{article_id}/submit").status_code == 302
    own = client.post(f"/articles/{article_id}/review", data={"action": "publish", "revision": "1"})
    assert "Du kan inte publicera text som du själv har skrivit" in _html(
        client.get(own.headers["Location"])
    )
    client.post("/logout")
    login(colleague)
    client.post(f"/articles/{article_id}/review", data={"action": "publish", "revision": "1"})
    client.post("/logout")

    results = _html(client.get("/kb?q=värmepumpar"))
    assert "Värmepump eller fjärrvärme?" in results
    assert "<mark>" in results
    suggested = client.post(
        "/kb/suggest.json", data={"q": "Ska vi skaffa värmepumpar till vårt hus?"}
    ).get_json()
    assert [item["title"] for item in suggested["articles"]] == ["Värmepump eller fjärrvärme?"]


def test_staff_list_filters_by_status_audience_topic_and_author(
    app, client, staff, login, make_user
):
    author, colleague = staff
    with app.app_context():
        publish_article(author, colleague, title="Publicerad allmän")
        write_article(author, title="Internt utkast", audience="internal", topics=("solar",))
        write_article(colleague, title="Kollegans utkast")
        solar = topic_id("solar")
    login(author)
    everything = _html(client.get("/articles"))
    assert all(
        title in everything for title in ("Publicerad allmän", "Internt utkast", "Kollegans utkast")
    )

    def titles(query: str) -> set[str]:
        html = _html(client.get("/articles?" + query))
        found = re.findall(r'<a href="/articles/\d+"[^>]*>([^<]+)</a>', html)
        return set(found)

    assert titles("status=published") == {"Publicerad allmän"}
    assert titles("audience=internal") == {"Internt utkast"}
    assert titles(f"topic={solar}") == {"Internt utkast"}
    assert titles(f"author={colleague.id}") == {"Kollegans utkast"}
    assert titles("q=utkast") == {"Internt utkast", "Kollegans utkast"}


def test_staff_pages_are_for_advisers_and_coordinators_only(app, client, make_user, login):
    assert client.get("/articles").status_code == 302  # to sign-in
    login(make_user(roles=("admin",), offices=()))
    assert client.get("/articles").status_code == 403
