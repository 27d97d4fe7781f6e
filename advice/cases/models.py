from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advice.accounts.models import User
from advice.clock import UTCDateTime, utcnow
from advice.extensions import db
from advice.regions.models import Municipality, Office
from advice.taxonomy.models import Channel, RequesterType, Topic

STATUSES = ("new", "assigned", "in_progress", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "assigned", "in_progress", "waiting")
PRIORITIES = ("low", "normal", "high")
LANGUAGES = ("sv", "en")
PROPERTY_TYPES = (
    "detached",
    "terraced",
    "flat",
    "multi_dwelling",
    "holiday_home",
    "commercial",
    "other",
)
HEATING_SYSTEMS = (
    "district_heating",
    "ground_source_heat_pump",
    "air_water_heat_pump",
    "exhaust_air_heat_pump",
    "air_air_heat_pump",
    "direct_electric",
    "electric_boiler",
    "pellets_wood",
    "oil",
    "gas",
    "other",
)
ENTRY_KINDS = (
    "citizen_message",
    "reply",
    "note",
    "call",
    "visit",
    "status_change",
    "assignment",
    "transfer",
    "attachment",
    "pdf_sent",
    "article_link",
    "erasure_request",
    "erasure_decision",
    "satisfaction",
)
# Entries the requester sees on the tracking page and in the summary.
PUBLIC_ENTRY_KINDS = ("citizen_message", "reply")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


case_topics = Table(
    "case_topics",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id"), primary_key=True),
    Index("ix_case_topics_topic_id_case_id", "topic_id", "case_id"),
)


class ReferenceCounter(db.Model):
    """The last case number handed out per year; references are never reused."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Contact(db.Model):
    """A requester; one contact has many cases, matched by normalised email."""

    __tablename__ = "contacts"
    __table_args__ = (CheckConstraint(_in("language", LANGUAGES), name="language_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    email_normalised: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_normalised: Mapped[str | None] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(2), default="sv")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cases: Mapped[list[Case]] = relationship(back_populates="contact")


class Case(db.Model):
    """A case (ärende)."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("reference_year", "reference_number", name="uq_cases_reference_parts"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority_known"),
        CheckConstraint(_in("language", LANGUAGES), name="language_known"),
        CheckConstraint(
            "property_type IS NULL OR " + _in("property_type", PROPERTY_TYPES),
            name="property_type_known",
        ),
        CheckConstraint(
            "heating_system IS NULL OR " + _in("heating_system", HEATING_SYSTEMS),
            name="heating_system_known",
        ),
        CheckConstraint(
            "year_built IS NULL OR (year_built >= 1000 AND year_built <= 2100)",
            name="year_built_plausible",
        ),
        CheckConstraint(
            "heated_area_m2 IS NULL OR (heated_area_m2 > 0 AND heated_area_m2 <= 1000000)",
            name="heated_area_positive",
        ),
        CheckConstraint("minutes_spent >= 0", name="minutes_not_negative"),
        CheckConstraint(
            "satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)",
            name="satisfaction_scale",
        ),
        CheckConstraint("reference_number > 0", name="reference_number_positive"),
        # The queue: open cases of an office, oldest first.
        Index("ix_cases_office_status_received", "office_id", "status", "received_at"),
        Index("ix_cases_status_received", "status", "received_at"),
        Index("ix_cases_assignee_status", "assignee_id", "status"),
        # Statistics: by period, and by municipality within a period.
        Index("ix_cases_received_at", "received_at"),
        Index("ix_cases_municipality_received", "municipality_id", "received_at"),
        # Erasure requests awaiting a decision, per office: a handful among all cases.
        Index(
            "ix_cases_erasure_pending",
            "office_id",
            "erasure_requested_at",
            postgresql_where=text("erasure_requested_at IS NOT NULL"),
            sqlite_where=text("erasure_requested_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    reference_year: Mapped[int] = mapped_column(Integer)
    reference_number: Mapped[int] = mapped_column(Integer)

    # Unknown for some mail and phone contacts until the adviser sets it.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    # None for an anonymous contact (a call logged without personal data).
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    requester_type_id: Mapped[int | None] = mapped_column(ForeignKey("requester_types.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    language: Mapped[str] = mapped_column(String(2), default="sv")
    question: Mapped[str] = mapped_column(Text)

    property_type: Mapped[str | None] = mapped_column(String(30))
    year_built: Mapped[int | None] = mapped_column(Integer)
    heated_area_m2: Mapped[int | None] = mapped_column(Integer)
    heating_system: Mapped[str | None] = mapped_column(String(40))

    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    minutes_spent: Mapped[int] = mapped_column(Integer, default=0)

    # The consent record: when, and to which version of the privacy notice.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_notice_version: Mapped[str | None] = mapped_column(String(20))

    satisfaction: Mapped[int | None] = mapped_column(Integer)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    # Set while an erasure request awaits a decision; the timeline keeps the history.
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change; cache keys and ETags of generated documents follow it.
    version: Mapped[int] = mapped_column(Integer, default=1)

    municipality: Mapped[Municipality | None] = relationship()
    office: Mapped[Office] = relationship()
    contact: Mapped[Contact | None] = relationship(back_populates="cases")
    requester_type: Mapped[RequesterType | None] = relationship()
    channel: Mapped[Channel] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    topics: Mapped[list[Topic]] = relationship(secondary=case_topics, order_by=Topic.sort_order)
    entries: Mapped[list[CaseEntry]] = relationship(
        back_populates="case", order_by="CaseEntry.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Case {self.reference}>"


class CaseEntry(db.Model):
    """One event in a case's timeline. Append-only: corrections are new entries."""

    __tablename__ = "case_entries"
    __table_args__ = (
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind_known"),
        CheckConstraint(
            "old_status IS NULL OR " + _in("old_status", STATUSES), name="old_status_known"
        ),
        CheckConstraint(
            "new_status IS NULL OR " + _in("new_status", STATUSES), name="new_status_known"
        ),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
        Index("ix_case_entries_case_id_id", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # Shown to the requester on the tracking page and in the summary.
    is_public: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[int | None] = mapped_column(Integer)
    old_status: Mapped[str | None] = mapped_column(String(20))
    new_status: Mapped[str | None] = mapped_column(String(20))
    from_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    to_office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    from_office: Mapped[Office | None] = relationship(foreign_keys=[from_office_id])
    to_office: Mapped[Office | None] = relationship(foreign_keys=[to_office_id])


class Attachment(db.Model):
    """A file kept under instance/, served only after an access check."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/heic', 'image/heif', "
            "'application/pdf')",
            name="content_type_allowed",
        ),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("case_entries.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by_requester: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="attachments")


class TrackingToken(db.Model):
    """A private tracking link's token, stored as its SHA-256 only.

    Every email to the requester carries a freshly minted token (the old ones stay
    valid), because a token that is only stored hashed cannot be put in a later email.
    """

    __tablename__ = "tracking_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(db.Model):
    """A submission's one-time key: a retried form post or API call finds its first case."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # An API call's request body digest: the same key with another request is refused.
    request_digest: Mapped[str | None] = mapped_column(String(64))


class CaseArticle(db.Model):
    """A knowledge article linked to a case."""

    __tablename__ = "case_articles"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
