"""Administration's own tables: invitations and the labels taxonomy terms had before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advice.accounts.models import User
from advice.clock import UTCDateTime, utcnow
from advice.extensions import db

TAXONOMY_KINDS = ("topics", "requester_types", "channels")


class Invitation(db.Model):
    """A one-time link with which an invited user sets their password.

    Only the token's SHA-256 is stored; the link is shown once to whoever invited and
    emailed to the invitee.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the link was used, or replaced by a newer invitation.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TermLabel(db.Model):
    """A label a taxonomy term carried until it was renamed.

    The term's current label lives on the term; these rows let statistics of a past period
    name a category as it was called then.
    """

    __tablename__ = "term_labels"
    __table_args__ = (
        CheckConstraint("kind IN ('topics', 'requester_types', 'channels')", name="kind_known"),
        Index("ix_term_labels_kind_term", "kind", "term_id", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    term_id: Mapped[int] = mapped_column(Integer)
    label_sv: Mapped[str] = mapped_column(String(150))
    label_en: Mapped[str] = mapped_column(String(150))
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
