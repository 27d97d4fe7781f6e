"""Search that understands Swedish word forms, the same on SQLite (FTS5 with Snowball
stems) and PostgreSQL (tsvector, swedish configuration): every test runs on both."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup
from sqlalchemy import select

from advice.extensions import db
from advice.knowledge import search
from advice.knowledge import services as kb
from advice.knowledge.models import Article
from tests.test_knowledge import publish_article, two_advisers, write_article


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, Any]:
    return two_advisers(make_user)


ARTICLES = {
    "heat-pump": (
        "Luft/vatten-värmepump i villan",
        "Så väljer du en värmepump som passar huset och hur stor den ska vara.",
        "sv",
    ),
    "solar": (
        "Solcell på taket",
        "En solcell omvandlar solljus till el. Läs om lutning, skuggning och kostnad.",
        "sv",
    ),
    "attic": (
        "Tilläggsisolering av vinden",
        "Tilläggsisolering av vindsbjälklaget är ofta den lönsammaste åtgärden i ett äldre hus.",
        "sv",
    ),
    "english": (
        "Choosing an electricity contract",
        "Fixed or variable prices: how electricity contracts work and what to compare.",
        "en",
    ),
    "windows": (
        "Byta fönster eller komplettera",
        "Gamla fönster kan ofta kompletteras med en extra ruta i stället för att bytas.",
        "sv",
    ),
}


@pytest.fixture
def library(app, staff):
    author, reviewer = staff
    ids = {}
    with app.app_context():
        for key, (title, body, language) in ARTICLES.items():
            article = publish_article(
                author, reviewer, title=title, body=body, language=language, summary=""
            )
            ids[key] = article.id
    return ids


def _top(text: str, match: search.Match = "all") -> list[int]:
    return search.query(
        kb.PUBLIC_KIND, text, restrict_to=kb.public_article_ids(), match=match
    ).doc_ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("värmepumpar", "heat-pump"),
        ("solceller", "solar"),
        ("tilläggsisolera", "attic"),
        ("electricity contracts", "english"),
        ("contract", "english"),
        ("kompletteras", "windows"),
        ("rutor", "windows"),
    ],
)
def test_inflected_words_find_the_article_on_both_engines(app, library, query, expected):
    with app.app_context():
        assert _top(query)[:1] == [library[expected]]


def test_a_search_needs_every_word_while_suggestions_rank_by_shared_words(app, library):
    with app.app_context():
        assert _top("solceller värmepumpar") == []
        either = _top("solceller värmepumpar", match="any")
        assert set(either) == {library["solar"], library["heat-pump"]}


def test_stop_words_alone_find_nothing(app, library):
    with app.app_context():
        assert _top("och att det är") == []
        assert _top("!!! ???") == []


def test_snippets_mark_the_matching_words_and_escape_the_rest(app, staff):
    author, reviewer = staff
    with app.app_context():
        publish_article(
            author,
            reviewer,
            title="Värme",
            body="Inledning: x < y & z > w. Många värmepumpar går att styra med appar.",
        )
        hits = search.query(kb.PUBLIC_KIND, "värmepump", restrict_to=kb.public_article_ids())
        snippet = hits.hits[0].snippet
        assert isinstance(snippet, Markup)
        assert "<mark>värmepumpar</mark>" in snippet
        assert "x &lt; y &amp; z &gt; w" in snippet


def test_the_index_changes_in_the_same_transaction_as_the_article(app, staff):
    author, reviewer = staff
    with app.app_context():
        publish_article(author, reviewer, title="Fjärrvärme", body="Om fjärrvärmens pris.")
        write_article(author, title="Bergvärme", body="Borrhål och bergvärmepumpar.")
        db.session.rollback()  # nothing pending: both were committed
        article = kb.create_article(
            kb.ArticleDraft(title="Ångra mig", body_md="Ett ord: ventilationsaggregat."), None
        )
        assert search.query(kb.STAFF_KIND, "ventilationsaggregat").doc_ids == [article.id]
        db.session.rollback()
        assert search.query(kb.STAFF_KIND, "ventilationsaggregat").doc_ids == []
        assert db.session.scalar(select(Article.id).where(Article.title == "Ångra mig")) is None
        assert len(search.query(kb.STAFF_KIND, "bergvärmepumpar").doc_ids) == 1


def test_counts_and_pages_of_hits(app, staff):
    author, reviewer = staff
    with app.app_context():
        for number in range(5):
            publish_article(
                author, reviewer, title=f"Elbil {number}", body="Laddbox för elbilen hemma."
            )
        first = search.query(
            kb.PUBLIC_KIND, "laddboxar", restrict_to=kb.public_article_ids(), limit=2, count=True
        )
        second = search.query(
            kb.PUBLIC_KIND, "laddboxar", restrict_to=kb.public_article_ids(), limit=2, offset=2
        )
        assert first.total == 5
        assert len(first.hits) == 2 and len(second.hits) == 2
        assert not set(first.doc_ids) & set(second.doc_ids)


def test_query_terms_drop_stop_words_and_make_long_words_prefixes():
    terms = search.query_terms("Hur tilläggsisolerar man ett el-element?", "sv")
    assert [(t.stem, t.prefix) for t in terms] == [
        ("tilläggsisoler", True),
        ("el", False),
        ("element", True),
    ]
    assert search.query_terms("the heat pumps", "en")[0].stem == "heat"


def test_alembic_leaves_the_engines_own_structures_alone():
    assert not search.include_name("search_fts", "table", {})
    assert not search.include_name("search_fts_data", "table", {})
    assert not search.include_name("tsv", "column", {"table_name": "search_documents"})
    assert not search.include_name("ix_search_documents_tsv", "index", {})
    assert search.include_name("search_documents", "table", {})
    assert search.include_name("articles", "table", {})
