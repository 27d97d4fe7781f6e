"""Knowledge base operations: what the web, the CLI and the API all call.

Services change state and flush; the caller commits once per request or command, and
the search index changes in that same transaction.

The life of an article: an adviser writes a draft (every save is a revision), submits
it for review, and a colleague who wrote none of it publishes it or sends it back with a
comment. Publishing copies the newest revision into the article's own columns and makes
the article *live*: public articles on /kb, internal ones for staff. Later changes are
newer revisions that wait for review while the reviewed text stays live, so nothing
unreviewed ever reaches the public side. Archiving takes an article off.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import re
import threading
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from advice.accounts.models import User
from advice.audit import services as audit
from advice.cases.models import Case, CaseArticle, CaseEntry
from advice.cases.services import add_entry
from advice.clock import utcnow
from advice.extensions import db
from advice.knowledge import search
from advice.knowledge.markdown import plain_text, slugify
from advice.knowledge.models import Article, ArticleRevision, ArticleVote, article_topics
from advice.taxonomy.models import Topic

# Search index kinds: every article's newest text for staff, and the live text of public
# articles for everyone.
STAFF_KIND = "article"
PUBLIC_KIND = "article_public"


class KnowledgeError(ValueError):
    """An operation on an article that cannot be carried out; the message says why."""


# --- Who sees what ------------------------------------------------------------------------


def is_live() -> ColumnElement[bool]:
    return Article.published_revision.is_not(None)


def is_public() -> ColumnElement[bool]:
    """Live and for everyone: the only articles the public side may show."""
    return is_live() & (Article.audience == "public")


def public_article_ids(topic_id: int | None = None) -> Select[Any]:
    ids = select(Article.id).where(is_public())
    if topic_id is not None:
        ids = ids.where(
            Article.id.in_(
                select(article_topics.c.article_id).where(article_topics.c.topic_id == topic_id)
            )
        )
    return ids


def public_article_by_slug(slug: str) -> Article | None:
    return db.session.scalars(select(Article).where(Article.slug == slug, is_public())).first()


def articles_in_order(ids: list[int]) -> list[Article]:
    """Articles for search hits, in the hits' order, in one query."""
    if not ids:
        return []
    found = {
        article.id: article
        for article in db.session.scalars(select(Article).where(Article.id.in_(ids)))
    }
    return [found[article_id] for article_id in ids if article_id in found]


# --- Writing ------------------------------------------------------------------------------


@dataclass
class ArticleDraft:
    """What an author edits; topics are ids of the topic taxonomy."""

    title: str
    body_md: str
    summary: str = ""
    language: str = "sv"
    audience: str = "public"
    topic_ids: list[int] = field(default_factory=list)
    slug: str | None = None
    comment: str | None = None


def latest_revision(article: Article) -> ArticleRevision | None:
    return db.session.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number.desc())
        .limit(1)
    ).first()


def has_pending_changes(article: Article, latest: ArticleRevision | None = None) -> bool:
    """A live article with revisions newer than the one published."""
    if not article.is_live:
        return False
    latest = latest or latest_revision(article)
    return latest is not None and latest.number > (article.published_revision or 0)


def unique_slug(wanted: str, article_id: int | None = None) -> str:
    base = slugify(wanted)[:190] or "artikel"
    slug, number = base, 1
    while True:
        taken = db.session.scalar(
            select(Article.id).where(Article.slug == slug, Article.id != (article_id or 0))
        )
        if taken is None:
            return slug
        number += 1
        slug = f"{base}-{number}"


def _topics(topic_ids: list[int]) -> list[Topic]:
    topics = list(db.session.scalars(select(Topic).where(Topic.id.in_(topic_ids))))
    if len(topics) != len(set(topic_ids)):
        raise KnowledgeError(_("Okänt ämne."))
    return topics


def _check_draft(draft: ArticleDraft) -> None:
    if draft.language not in search.LANGUAGES:
        raise KnowledgeError(_("Okänt språk."))
    if draft.audience not in ("public", "internal"):
        raise KnowledgeError(_("Okänd målgrupp."))
    if not draft.title.strip():
        raise KnowledgeError(_("Artikeln behöver en rubrik."))


def create_article(draft: ArticleDraft, author: User | None, status: str = "draft") -> Article:
    """A new article with its first revision."""
    _check_draft(draft)
    article = Article(
        slug=unique_slug(draft.slug or draft.title),
        title=draft.title.strip(),
        summary=draft.summary.strip(),
        body_md=draft.body_md,
        language=draft.language,
        audience=draft.audience,
        status=status,
        author_id=author.id if author else None,
    )
    article.topics = _topics(draft.topic_ids)
    db.session.add(article)
    db.session.flush()
    db.session.add(
        ArticleRevision(
            article_id=article.id,
            number=1,
            title=article.title,
            summary=article.summary,
            body_md=article.body_md,
            author_id=author.id if author else None,
            comment=draft.comment or None,
        )
    )
    db.session.flush()
    audit.record("article.created", obj=article, actor_id=author.id if author else None)
    reindex(article)
    return article


def save_article(article: Article, draft: ArticleDraft, editor: User) -> ArticleRevision | None:
    """Save an edit: a new revision when the text changed; None when nothing did.

    A live article keeps its reviewed text public; the new revision waits for review
    (status draft). Making a live internal article public takes it off until a
    reviewer publishes it again: the public side only shows what was reviewed for it.
    """
    _check_draft(draft)
    if article.status == "archived":
        raise KnowledgeError(_("Arkiverade artiklar kan inte ändras. Återställ artikeln först."))
    latest = latest_revision(article)
    title, summary = draft.title.strip(), draft.summary.strip()
    changed_text = latest is None or (latest.title, latest.summary, latest.body_md) != (
        title,
        summary,
        draft.body_md,
    )
    revision = None
    if changed_text:
        revision = ArticleRevision(
            article_id=article.id,
            number=(latest.number if latest else 0) + 1,
            title=title,
            summary=summary,
            body_md=draft.body_md,
            author_id=editor.id,
            comment=draft.comment or None,
        )
        db.session.add(revision)
        if not article.is_live:
            article.title, article.summary, article.body_md = title, summary, draft.body_md
        if article.status in ("published", "in_review"):
            # Changes made during a review are reviewed again from the start.
            article.status = "draft"
    # Once published, the address stays: people and PDFs link to it.
    if draft.slug and article.published_at is None and slugify(draft.slug) != article.slug:
        article.slug = unique_slug(draft.slug, article.id)
    if article.is_live and article.audience == "internal" and draft.audience == "public":
        article.published_revision = None
        article.status = "draft"
        audit.record("article.withdrawn", obj=article, details={"reason": "audience"})
    article.language = draft.language
    article.audience = draft.audience
    article.topics = _topics(draft.topic_ids)
    article.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "article.saved",
        obj=article,
        details={"revision": revision.number if revision else None},
    )
    reindex(article)
    return revision


def submit_for_review(article: Article, user: User) -> None:
    if article.status != "draft":
        raise KnowledgeError(_("Bara utkast kan skickas på granskning."))
    if article.is_live and not has_pending_changes(article):
        raise KnowledgeError(_("Det finns inga ändringar att granska."))
    article.status = "in_review"
    article.review_comment = None
    audit.record("article.submitted", obj=article, actor_id=user.id)
    db.session.flush()


def text_authors(article: Article, latest: ArticleRevision) -> set[int]:
    """Who wrote what a reviewer would publish: the article's author and the
    authors of every revision since the last publication."""
    authors = {article.author_id} if article.author_id else set()
    rows = db.session.scalars(
        select(ArticleRevision.author_id).where(
            ArticleRevision.article_id == article.id,
            ArticleRevision.number > (article.published_revision or 0),
            ArticleRevision.number <= latest.number,
        )
    )
    return authors | {author_id for author_id in rows if author_id}


def publish(article: Article, reviewer: User, revision_number: int | None = None) -> None:
    """Publish the newest revision; the reviewer must not have written any of it.

    ``revision_number`` is the revision the reviewer read: when the text changed since,
    nothing is published.
    """
    if article.status != "in_review":
        raise KnowledgeError(_("Artikeln är inte skickad på granskning."))
    latest = latest_revision(article)
    if latest is None:
        raise KnowledgeError(_("Artikeln har ingen text."))
    if revision_number is not None and revision_number != latest.number:
        raise KnowledgeError(
            _("Artikeln har ändrats medan du granskade den. Läs den nya versionen först.")
        )
    if reviewer.id in text_authors(article, latest):
        audit.record(
            "article.publish_refused",
            obj=article,
            actor_id=reviewer.id,
            details={"reason": "own_text", "revision": latest.number},
        )
        raise KnowledgeError(
            _("Du kan inte publicera text som du själv har skrivit. Be en kollega granska den.")
        )
    now = utcnow()
    article.title, article.summary, article.body_md = latest.title, latest.summary, latest.body_md
    article.published_revision = latest.number
    article.status = "published"
    article.reviewer_id = reviewer.id
    article.reviewed_at = now
    article.published_at = article.published_at or now
    article.review_comment = None
    article.updated_at = now
    db.session.flush()
    audit.record(
        "article.published",
        obj=article,
        actor_id=reviewer.id,
        details={"revision": latest.number, "author_id": article.author_id},
    )
    reindex(article)


def send_back(article: Article, reviewer: User, comment: str) -> None:
    if article.status != "in_review":
        raise KnowledgeError(_("Artikeln är inte skickad på granskning."))
    if not comment.strip():
        raise KnowledgeError(_("Skriv en kommentar till författaren."))
    article.status = "draft"
    article.review_comment = comment.strip()
    db.session.flush()
    audit.record("article.sent_back", obj=article, actor_id=reviewer.id)


def archive(article: Article, user: User) -> None:
    if article.status == "archived":
        return
    article.status = "archived"
    article.published_revision = None
    article.updated_at = utcnow()
    db.session.flush()
    audit.record("article.archived", obj=article, actor_id=user.id)
    reindex(article)


def restore(article: Article, user: User) -> None:
    """An archived article becomes a draft; it is reviewed again before it is live."""
    if article.status != "archived":
        raise KnowledgeError(_("Artikeln är inte arkiverad."))
    article.status = "draft"
    db.session.flush()
    audit.record("article.restored", obj=article, actor_id=user.id)
    reindex(article)


def reindex(article: Article) -> None:
    """The article's search documents, in the same transaction as the change."""
    latest = latest_revision(article)
    source = latest or article
    search.index(
        search.Document(
            kind=STAFF_KIND,
            doc_id=article.id,
            language=article.language,
            title=source.title,
            summary=source.summary,
            body=plain_text(source.body_md),
        )
    )
    if article.is_public:
        search.index(
            search.Document(
                kind=PUBLIC_KIND,
                doc_id=article.id,
                language=article.language,
                title=article.title,
                summary=article.summary,
                body=plain_text(article.body_md),
            )
        )
    else:
        search.remove(PUBLIC_KIND, article.id)


# --- Revisions and their differences -------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a difference: kind is "same", "removed", "added" or "gap"."""

    kind: str
    text: str = ""
    # For a changed line: the words, each ("same" | "removed" | "added", text).
    words: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FieldDiff:
    name: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind in ("removed", "added") for line in self.lines)


def _word_diff(
    old: str, new: str
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    removed: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            removed.append(("same", "".join(old_words[a1:a2])))
            added.append(("same", "".join(new_words[b1:b2])))
        else:
            if a2 > a1:
                removed.append(("removed", "".join(old_words[a1:a2])))
            if b2 > b1:
                added.append(("added", "".join(new_words[b1:b2])))
    return tuple(removed), tuple(added)


def diff_text(old: str, new: str, context: int = 2) -> list[DiffLine]:
    """Line by line, changed lines word by word; unchanged stretches are cut to a gap."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap"))
        for operation, a1, a2, b1, b2 in group:
            if operation == "equal":
                lines.extend(DiffLine("same", line) for line in old_lines[a1:a2])
            elif operation == "replace" and a2 - a1 == b2 - b1:
                for old_line, new_line in zip(old_lines[a1:a2], new_lines[b1:b2], strict=True):
                    removed, added = _word_diff(old_line, new_line)
                    lines.append(DiffLine("removed", old_line, removed))
                    lines.append(DiffLine("added", new_line, added))
            else:
                lines.extend(DiffLine("removed", line) for line in old_lines[a1:a2])
                lines.extend(DiffLine("added", line) for line in new_lines[b1:b2])
    return lines


def revision(article: Article, number: int) -> ArticleRevision | None:
    return db.session.scalars(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == number
        )
    ).first()


def compare_revisions(older: ArticleRevision, newer: ArticleRevision) -> list[FieldDiff]:
    return [
        FieldDiff(_("Rubrik"), diff_text(older.title, newer.title)),
        FieldDiff(_("Sammanfattning"), diff_text(older.summary, newer.summary)),
        FieldDiff(_("Text"), diff_text(older.body_md, newer.body_md)),
    ]


# --- The public side: suggestions, votes and views ----------------------------------------


# How many of the best matches the topics the person chose may reorder.
SUGGESTION_POOL = 20


def suggest(text: str, limit: int = 3, topic_ids: Collection[int] = ()) -> list[Article]:
    """The public articles that best match a question being typed.

    A long question shares everyday words ("villa", "kostar") with many articles, and
    ranking by shared words alone can put an article about solar panels on a house first
    for a question about a heat pump for one. The topics the person ticked on the form
    say what the question is about: among the best matches, articles of those topics
    come first, each group in the order of the words they share.
    """
    if len(text.strip()) < 3:
        return []
    results = search.query(
        PUBLIC_KIND,
        text,
        restrict_to=public_article_ids(),
        match="any",
        limit=SUGGESTION_POOL if topic_ids else limit,
        snippets=False,
    )
    articles = articles_in_order(results.doc_ids)
    if topic_ids:
        chosen = set(topic_ids)
        of_topic = set(
            db.session.scalars(
                select(article_topics.c.article_id).where(
                    article_topics.c.article_id.in_([article.id for article in articles]),
                    article_topics.c.topic_id.in_(chosen),
                )
            )
        )
        articles.sort(key=lambda article: article.id not in of_topic)  # stable
    return articles[:limit]


def visitor_hash(visitor_id: str) -> str:
    """A keyed hash of the visitor's random cookie: one vote each, nothing to trace."""
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, b"article-vote:" + visitor_id.encode("utf-8"), hashlib.sha256).hexdigest()


def has_voted(article: Article, visitor_id: str | None) -> bool:
    if not visitor_id:
        return False
    return (
        db.session.scalar(
            select(ArticleVote.id).where(
                ArticleVote.article_id == article.id,
                ArticleVote.visitor == visitor_hash(visitor_id),
            )
        )
        is not None
    )


def record_vote(article: Article, visitor_id: str, helpful: bool) -> bool:
    """Count a "was this helpful?" answer; False when this visitor already answered."""
    if not article.is_public:
        raise KnowledgeError(_("Artikeln finns inte."))
    if has_voted(article, visitor_id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                ArticleVote(
                    article_id=article.id, visitor=visitor_hash(visitor_id), helpful=helpful
                )
            )
    except IntegrityError:
        return False  # the same visitor's other request won
    column = Article.helpful_yes if helpful else Article.helpful_no
    db.session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values({column: column + 1})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(article, ["helpful_yes", "helpful_no"])
    return True


class ViewCounter:
    """Page views of public articles, counted in memory and written in batches.

    Chosen over an append-only table of views: that still writes a row per view, and on
    SQLite every write takes the database's one write lock. Here each process counts
    views in memory and adds them with one ``UPDATE articles SET view_count =
    view_count + :n`` per article when ``flush_every`` views have gathered or
    ``flush_seconds`` have passed since the last write. Several processes each add
    their own counts, so nothing is counted twice; a process that dies loses at most
    its unwritten views, which a statistic of reading can afford.
    """

    def __init__(self, flush_every: int = 50, flush_seconds: float = 60.0) -> None:
        self.flush_every = max(1, flush_every)
        self.flush_seconds = flush_seconds
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    @property
    def pending(self) -> int:
        return sum(self._pending.values())

    def add(self, article_id: int) -> bool:
        """Count a view; True when it is time to flush."""
        with self._lock:
            self._pending[article_id] += 1
            return (
                sum(self._pending.values()) >= self.flush_every
                or time.monotonic() - self._last_flush >= self.flush_seconds
            )

    def flush(self) -> int:
        """Write the counted views in the session and commit; returns how many.

        Call it outside any other transaction: it commits the session.
        """
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return 0
        table = Article.__table__
        try:
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("article_id"))
                .values(view_count=table.c.view_count + bindparam("views")),
                [{"article_id": key, "views": count} for key, count in pending.items()],
            )
            db.session.commit()
        except Exception:
            db.session.rollback()
            with self._lock:
                self._pending.update(pending)  # try again with the next flush
            raise
        return sum(pending.values())


def view_counter() -> ViewCounter:
    """This app's counter (one per app, so tests never share counts)."""
    counter = current_app.extensions.get("knowledge_views")
    if counter is None:
        counter = ViewCounter(
            int(current_app.config.get("KNOWLEDGE_VIEW_FLUSH_EVERY", 50)),
            float(current_app.config.get("KNOWLEDGE_VIEW_FLUSH_SECONDS", 60)),
        )
        current_app.extensions["knowledge_views"] = counter
    return counter


def count_view(article: Article) -> None:
    """Count a view of a public article; writes only when a batch is due."""
    counter = view_counter()
    if counter.add(article.id):
        try:
            counter.flush()
        except Exception:  # a statistic must never break reading an article
            current_app.logger.exception("could not write article view counts")


def topic_counts() -> list[tuple[Topic, int]]:
    """Topics with how many public articles each has, in the taxonomy's order."""
    rows = db.session.execute(
        select(Topic, func.count(article_topics.c.article_id))
        .join(article_topics, article_topics.c.topic_id == Topic.id)
        .where(article_topics.c.article_id.in_(public_article_ids()))
        .group_by(Topic.id)
        .order_by(Topic.sort_order, Topic.id)
    ).all()
    return [(topic, int(count)) for topic, count in rows]


# --- Cases: links, reuse in replies, drafts from replies ----------------------------------


def linked_articles(case: Case) -> list[Article]:
    """Every article linked to a case, for staff."""
    return list(
        db.session.scalars(
            select(Article)
            .join(CaseArticle, CaseArticle.article_id == Article.id)
            .where(CaseArticle.case_id == case.id)
            .order_by(CaseArticle.linked_at, Article.id)
        )
    )


def linked_public_articles(case: Case) -> list[Article]:
    """The linked articles the requester may read: for the tracking page and the PDF."""
    return list(
        db.session.scalars(
            select(Article)
            .join(CaseArticle, CaseArticle.article_id == Article.id)
            .where(CaseArticle.case_id == case.id, is_public())
            .order_by(CaseArticle.linked_at, Article.id)
        )
    )


def link_article(case: Case, article: Article, user: User) -> bool:
    """Link a live article to a case; False when it already was."""
    if not article.is_live:
        raise KnowledgeError(_("Bara publicerade artiklar kan länkas till ärenden."))
    exists = db.session.get(CaseArticle, (case.id, article.id))
    if exists is not None:
        return False
    db.session.add(CaseArticle(case_id=case.id, article_id=article.id, linked_by_id=user.id))
    add_entry(
        case,
        CaseEntry(
            kind="article_link",
            author_id=user.id,
            body=article.title,
            details={"article_id": article.id, "slug": article.slug},
        ),
    )
    audit.record("case.article_linked", obj=article, case_id=case.id, actor_id=user.id)
    return True


def unlink_article(case: Case, article: Article, user: User) -> bool:
    link = db.session.get(CaseArticle, (case.id, article.id))
    if link is None:
        return False
    db.session.delete(link)
    case.version += 1
    audit.record("case.article_unlinked", obj=article, case_id=case.id, actor_id=user.id)
    db.session.flush()
    return True


def search_live_articles(text: str, limit: int = 10) -> list[Article]:
    """Live articles (public and internal) for linking to a case or reusing in a reply."""
    if not text.strip():
        return list(
            db.session.scalars(
                select(Article).where(is_live()).order_by(Article.view_count.desc()).limit(limit)
            )
        )
    results = search.query(
        STAFF_KIND,
        text,
        restrict_to=select(Article.id).where(is_live()),
        limit=limit,
        snippets=False,
    )
    return articles_in_order(results.doc_ids)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PERSONAL_NUMBER = re.compile(r"\b(\d{2})?\d{6}[-+ ]?\d{4}\b")
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d \-()]{5,}\d\b")
_ADDRESS = re.compile(
    r"\b[A-ZÅÄÖ][\wåäöé-]*(vägen|gatan|gränd|stigen|backe|backen|torg|torget|allé|plan|väg|gata)"
    r"\s+\d+(\s?[A-Za-z]\b)?"
)
_TRACKING_LINK = re.compile(r"\S*/track/\S+")


def scrub_personal_details(text: str, case: Case) -> str:
    """The text without the requester's name, addresses, numbers and the case's links.

    A best effort that the author and the reviewer of the draft check: names other than
    the requester's stay.
    """
    scrubbed = _TRACKING_LINK.sub(_("[länk]"), text)
    scrubbed = scrubbed.replace(case.reference, _("[ärende]"))
    contact = case.contact
    if contact is not None:
        for value, placeholder in ((contact.email, _("[e-post]")), (contact.phone, _("[telefon]"))):
            if value:
                scrubbed = scrubbed.replace(value, placeholder)
        names = [contact.name or "", *(contact.name or "").split()]
        for name in sorted({name for name in names if len(name) >= 2}, key=len, reverse=True):
            scrubbed = re.sub(
                rf"(?<!\w){re.escape(name)}(?!\w)", _("[namn]"), scrubbed, flags=re.IGNORECASE
            )
    scrubbed = _EMAIL.sub(_("[e-post]"), scrubbed)
    scrubbed = _PERSONAL_NUMBER.sub(_("[personnummer]"), scrubbed)
    scrubbed = _PHONE.sub(_("[telefon]"), scrubbed)
    return _ADDRESS.sub(_("[adress]"), scrubbed)


def draft_from_reply(entry: CaseEntry, author: User) -> Article:
    """A new draft article from a good reply, with the personal details left out."""
    if entry.kind != "reply" or not entry.body:
        raise KnowledgeError(_("Bara svar till frågeställare kan bli artiklar."))
    case = entry.case
    topic = case.topics[0] if case.topics else None
    title = topic.label(case.language) if topic else _("Nytt utkast")
    return create_article(
        ArticleDraft(
            title=title,
            body_md=scrub_personal_details(entry.body, case),
            language=case.language,
            audience="public",
            topic_ids=[topic.id for topic in case.topics],
            comment=_("Utkast från ett svar i ett ärende, utan personuppgifter."),
        ),
        author,
    )
