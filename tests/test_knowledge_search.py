"""Search that understands Swedish word forms, the same on SQLite (FTS5 with Snowball
stems) and PostgreSQL (tsvector, swedish configuration): every test runs on both."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup
from sqlalchemy import select, text

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


def test_an_engines_markers_become_mark_elements_around_escaped_text():
    start, end = search.MARK_START, search.MARK_END
    marked = f"  Min {start}värmepump{end} <b>bullrar</b> & {start}{end}läcker{end} {start}"
    assert search.marked_snippet(marked) == Markup(
        "Min <mark>värmepump</mark> &lt;b&gt;bullrar&lt;/b&gt; &amp; läcker"
    )
    assert search.marked_snippet("") == Markup("")


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


# --- A large index on PostgreSQL: what its statistics change ----------------------------

COMMON = search.CommonLexemes(
    lexemes=sorted(["värmepump", "värmepumpsinstallation", "bergvärm", "borrhål", "pet"]),
    shares=[],
    rarest=0.01,
    documents=1_000_000,
)
SHARES = {
    "bergvärm": 0.07,
    "borrhål": 0.02,
    "pet": 0.10,
    "värmepump": 0.20,
    "värmepumpsinstallation": 0.01,
}
COMMON.shares.extend(SHARES[lexeme] for lexeme in COMMON.lexemes)


def test_a_prefix_counts_every_common_word_it_begins():
    assert COMMON.share("värmepump", prefix=True) == pytest.approx(0.21)
    assert COMMON.share("värmepump", prefix=False) == pytest.approx(0.20)
    assert COMMON.share("borrhål", prefix=True) == pytest.approx(0.02)
    # Not among the common lexemes: rarer than the rarest of them.
    assert COMMON.share("kvartspri", prefix=True) == pytest.approx(0.005)


def test_a_prefix_too_common_to_gather_is_asked_for_as_the_words_own_forms():
    terms = search.query_terms("värmepumpar borrhål", "sv")
    bounded = search.bounded_prefixes(terms, COMMON)
    assert [(t.stem, t.prefix) for t in bounded] == [("värmepump", False), ("borrhål", True)]
    # A small index gathers any prefix cheaply, and without statistics nothing is known.
    small = search.CommonLexemes(COMMON.lexemes, COMMON.shares, 0.01, documents=10_000)
    assert search.bounded_prefixes(terms, small) == terms
    assert search.bounded_prefixes(terms, None) == terms


def test_the_index_is_asked_for_the_words_that_make_it_cheapest():
    heat_pump = {("värmepump", True)}
    bore_hole = {("borrhål", True)}
    ground_heat = {("bergvärm", True)}
    office = [search.tag_lexeme("o1")]
    # A common prefix is left to the test of each document the rare one finds.
    assert search._cheapest_conjunction([heat_pump, bore_hole], [office], COMMON) == [bore_hole]
    # An exact word costs nothing to ask for: it is always kept.
    exact = {("pet", False)}
    assert exact in search._cheapest_conjunction([ground_heat, exact], [office], COMMON)
    # Without statistics, or with one word, every word is asked for.
    assert search._cheapest_conjunction([heat_pump, bore_hole], [], None) == [heat_pump, bore_hole]
    assert search._cheapest_conjunction([heat_pump], [], COMMON) == [heat_pump]


def test_statistics_of_a_large_index_change_what_it_is_asked_not_what_matches(app, monkeypatch):
    """On PostgreSQL, after ANALYZE: a common word's prefix is no longer gathered, and of
    words that all must match only the cheapest are asked of the index, each document it
    finds tested for all; the answers stay those of the words. SQLite is unchanged."""
    layout = {
        "värmepump": range(1, 121),
        "värmepumpsinstallation": range(121, 126),
        "borrhål": range(100, 110),
        "borrhålsdjup": range(110, 112),
    }
    with app.app_context():
        for doc_id in range(1, 201):
            words_ = [word for word, ids in layout.items() if doc_id in ids] or ["fönster"]
            search.index(
                search.Document(
                    kind="test", doc_id=doc_id, language="sv", title=" ".join(words_) + " hus"
                )
            )
        db.session.commit()
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            db.session.execute(text("ANALYZE search_documents"))
        monkeypatch.setattr(search, "_statistics", {})
        monkeypatch.setattr(search, "PREFIX_GATHER_LIMIT", 50)
        common = search.common_lexemes() if postgres else None
        if postgres:
            assert common is not None and common.share("värmepump", False) > 0.3

        def found(query: str) -> set[int]:
            return set(search.query("test", query, limit=1_000).doc_ids)

        heat_pump = set(layout["värmepump"])
        compounds = set(layout["värmepumpsinstallation"])
        assert found("värmepumpar") == (heat_pump if postgres else heat_pump | compounds)
        # A rare word's prefix is still gathered: its compound is found.
        bore_holes = set(layout["borrhål"]) | set(layout["borrhålsdjup"])
        assert found("borrhål") == bore_holes
        assert found("värmepump borrhål") == heat_pump & bore_holes
        assert found("borrhål hus") == bore_holes
