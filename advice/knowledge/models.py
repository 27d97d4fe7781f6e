from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advice.accounts.models import User
from advice.clock import UTCDateTime, utcnow
from advice.extensions import db
from advice.taxonomy.models import Topic

AUDIENCES = ("public", "internal")
ARTICLE_STATUSES = ("draft", "in_review", "published", "archived")

article_topics = Table(
    "article_topics",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id"), primary_key=True),
)


class Article(db.Model):
    """A knowledge article (kunskapsartikel)."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("audience IN ('public', 'internal')", name="audience_known"),
        CheckConstraint(
            "status IN ('draft', 'in_review', 'published', 'archived')", name="status_known"
        ),
        CheckConstraint("language IN ('sv', 'en')", name="language_known"),
        CheckConstraint("view_count >= 0", name="views_not_negative"),
        Index("ix_articles_status_audience", "status", "audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="sv")
    audience: Mapped[str] = mapped_column(String(10), default="public")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_yes: Mapped[int] = mapped_column(Integer, default=0)
    helpful_no: Mapped[int] = mapped_column(Integer, default=0)
    # The revision whose text the article's own columns hold while it is live; later
    # revisions are changes not yet reviewed.
    published_revision: Mapped[int | None] = mapped_column(Integer)
    # The reviewer's comment when the article was last sent back to its author.
    review_comment: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    topics: Mapped[list[Topic]] = relationship(secondary=article_topics)
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", order_by="ArticleRevision.number", cascade="all, delete-orphan"
    )

    @property
    def is_live(self) -> bool:
        """A reviewed version is published (on /kb too when the audience is public).

        While later changes are a draft or in review, the article stays live with its
        reviewed text, held in its own columns; the changes are in newer revisions.
        Archiving (or making an internal article public) takes it off.
        """
        return self.published_revision is not None

    @property
    def is_public(self) -> bool:
        return self.is_live and self.audience == "public"

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class ArticleRevision(db.Model):
    """Every saved version of an article is kept."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_article_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class ArticleVote(db.Model):
    """One "was this helpful?" answer per visitor and article."""

    __tablename__ = "article_votes"
    __table_args__ = (UniqueConstraint("article_id", "visitor", name="uq_article_votes_visitor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # A keyed hash of the visitor's cookie, never an address or a name.
    visitor: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchDocument(db.Model):
    """One document in the full-text index: an article today, a case tomorrow.

    The ORM owns the plain columns (so every database has the same table); each engine's
    index structure is raw SQL owned by ``advice.knowledge.search`` and the migration:
    a ``tsv`` tsvector column with a GIN index on PostgreSQL, the ``search_fts`` FTS5
    table on SQLite. ``title``, ``summary`` and ``body`` keep the indexed plain text,
    which the snippets are cut from.
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "doc_id", name="uq_search_documents_kind_doc"),
        CheckConstraint("language IN ('sv', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    doc_id: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2), default="sv")
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
