"""Articles from Markdown files: the content that ships with the product.

Each file in ``advice/knowledge/content/*.md`` is one article, with front matter:

    ---
    title: Solceller på villan
    slug: solceller-pa-villan
    summary: En eller två meningar.
    language: sv            # sv or en
    audience: public        # public or internal
    topics: [solar, grants] # codes from advice/taxonomy/data/taxonomies.json
    status: published       # published (the default) or draft
    ---
    ## The body, in Markdown

Loading is idempotent by slug: an article that exists is left alone, since staff may
have edited it. Files are reviewed in the repository, so published ones go live without
the review step (recorded as ``article.imported`` in the audit log).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from advice.audit import services as audit
from advice.clock import utcnow
from advice.extensions import db
from advice.knowledge import services as kb
from advice.knowledge.models import Article
from advice.taxonomy.models import Topic

CONTENT_FOLDER = Path(__file__).parent / "content"


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_front_matter(text: str, name: str = "") -> tuple[dict[str, str | list[str]], str]:
    """The ``key: value`` lines between the opening ``---`` lines, and the body after."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(f"{name}: the file must start with front matter between --- lines")
    try:
        end = next(n for n in range(1, len(lines)) if lines[n].strip() == "---")
    except StopIteration as missing:
        raise ContentError(f"{name}: the front matter has no closing --- line") from missing
    meta: dict[str, str | list[str]] = {}
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, separator, value = line.partition(":")
        if not separator:
            raise ContentError(f"{name}: not a 'key: value' line: {line!r}")
        value = value.split(" #", 1)[0].strip()
        if value.startswith("[") and value.endswith("]"):
            meta[key.strip()] = [
                item.strip().strip("'\"") for item in value[1:-1].split(",") if item.strip()
            ]
        else:
            meta[key.strip()] = (
                value.strip("'\"")
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
                else value
            )
    return meta, "\n".join(lines[end + 1 :]).strip() + "\n"


def _text(meta: dict[str, str | list[str]], key: str, default: str = "") -> str:
    value = meta.get(key, default)
    return ", ".join(value) if isinstance(value, list) else value


def load_article_file(path: Path, report: ImportReport) -> Article | None:
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"), path.name)
    slug = _text(meta, "slug") or path.stem
    if db.session.scalar(select(Article.id).where(Article.slug == slug)) is not None:
        report.skipped.append(slug)
        return None
    codes = meta.get("topics", [])
    codes = [codes] if isinstance(codes, str) else codes
    codes = [code for code in codes if code]
    topics = {
        topic.code: topic.id
        for topic in db.session.scalars(select(Topic).where(Topic.code.in_(codes)))
    }
    unknown = sorted(set(codes) - set(topics))
    if unknown:
        raise ContentError(f"{path.name}: unknown topic codes {', '.join(unknown)}")
    status = _text(meta, "status", "published")
    if status not in ("published", "draft"):
        raise ContentError(f"{path.name}: status must be published or draft")
    try:
        article = kb.create_article(
            kb.ArticleDraft(
                title=_text(meta, "title"),
                summary=_text(meta, "summary"),
                body_md=body,
                language=_text(meta, "language", "sv"),
                audience=_text(meta, "audience", "public"),
                topic_ids=[topics[code] for code in codes],
                slug=slug,
                comment=f"content/{path.name}",
            ),
            None,
        )
    except kb.KnowledgeError as error:
        raise ContentError(f"{path.name}: {error}") from error
    if article.slug != slug:
        raise ContentError(f"{path.name}: the slug {slug!r} is not a valid address")
    if status == "published":
        now = utcnow()
        article.status = "published"
        article.published_revision = 1
        article.published_at = article.reviewed_at = now
        db.session.flush()
        kb.reindex(article)
    audit.record("article.imported", obj=article, details={"file": path.name})
    report.created.append(slug)
    return article


def load_articles(folder: Path | None = None) -> ImportReport:
    """Every ``*.md`` file of the folder, in name order; a missing folder loads nothing."""
    report = ImportReport()
    folder = folder or CONTENT_FOLDER
    if not folder.is_dir():
        return report
    for path in sorted(folder.glob("*.md")):
        load_article_file(path, report)
    return report
