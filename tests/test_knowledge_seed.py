"""``seed-articles``: the articles that ship as Markdown files with front matter."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from advice.extensions import db
from advice.knowledge import search
from advice.knowledge import services as kb
from advice.knowledge.models import Article
from advice.knowledge.seed import CONTENT_FOLDER, parse_front_matter

ARTICLE = """---
title: Tilläggsisolera vinden
slug: tillaggsisolera-vinden
summary: Ofta den lönsammaste åtgärden.
language: sv
audience: public
topics: [insulation, grants]
---
## Varför vinden?

Värme stiger uppåt, så tilläggsisolering av vindsbjälklaget lönar sig.
"""


def test_front_matter_gives_fields_lists_and_the_body():
    meta, body = parse_front_matter(ARTICLE, "x.md")
    assert meta["title"] == "Tilläggsisolera vinden"
    assert meta["topics"] == ["insulation", "grants"]
    assert body.startswith("## Varför vinden?")


def test_seed_articles_loads_published_searchable_articles_once(app, runner, tmp_path: Path):
    (tmp_path / "vinden.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an article", encoding="utf-8")
    result = runner.invoke(args=["seed-articles", "--folder", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "articles: 1 created, 0 already there" in result.output
    again = runner.invoke(args=["seed-articles", "--folder", str(tmp_path)])
    assert "articles: 0 created, 1 already there" in again.output
    with app.app_context():
        article = db.session.scalars(select(Article)).one()
        assert article.is_public and article.status == "published"
        assert sorted(topic.code for topic in article.topics) == ["grants", "insulation"]
        hits = search.query(kb.PUBLIC_KIND, "tilläggsisolera", restrict_to=kb.public_article_ids())
        assert hits.doc_ids == [article.id]


def test_seed_articles_copes_with_a_missing_or_empty_folder(app, runner, tmp_path: Path):
    for folder in (tmp_path / "missing", tmp_path):
        result = runner.invoke(args=["seed-articles", "--folder", str(folder)])
        assert result.exit_code == 0, result.output
        assert "articles: 0 created" in result.output


def test_a_bad_file_is_named_and_nothing_is_loaded(app, runner, tmp_path: Path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    bad = ARTICLE.replace("[insulation, grants]", "[nonsense]").replace("-vinden", "-igen")
    (tmp_path / "b.md").write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["seed-articles", "--folder", str(tmp_path)])
    assert result.exit_code != 0
    assert "b.md: unknown topic codes nonsense" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_the_shipped_content_loads(app, backend):
    if backend != "sqlite":
        return  # the files are the same on both databases; once is enough
    from advice.knowledge.seed import load_articles

    with app.app_context():
        report = load_articles(CONTENT_FOLDER)
        db.session.commit()
        files = len(list(CONTENT_FOLDER.glob("*.md")))
        assert len(report.created) == files
        assert db.session.scalar(select(func.count()).select_from(Article)) == files
