"""What the fetcher remembers about every email it has read from an office mailbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advice.cases.models import Case
from advice.clock import UTCDateTime, utcnow
from advice.extensions import db

STATUSES = ("processed", "quarantined", "ignored")
# Why a message was ignored or what became of it.
REASONS = (
    "new_case",  # processed: a new case
    "reply",  # processed: a requester message on an existing case
    "auto_reply",  # ignored: vacation notice, out-of-office, other automatic mail
    "bounce",  # ignored: delivery status notification, read receipt
    "bulk",  # ignored: newsletters and mailing lists (Precedence: bulk/list/junk)
    "loop",  # ignored: mail from our own addresses
    "too_large",  # ignored: over the size limit; the sender got a polite answer
    "rate_limited",  # ignored: the sender sent more than the limit allows
    "dismissed",  # ignored: an admin dismissed it from the quarantine
)


class InboundMessage(db.Model):
    """One email read from a mailbox: the Message-ID is remembered so it is never read twice.

    The row is written in the same transaction as the case change the email causes, and
    the message is marked on the mail server only after that commit: a crash in between
    finds the row on the next run and only marks the message.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        CheckConstraint("status IN ('processed', 'quarantined', 'ignored')", name="status_known"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        # The per-sender rate limit counts a sender's recent messages.
        Index("ix_inbound_messages_sender_received_at", "sender", "received_at"),
        # The quarantine page: quarantined (or ignored) messages, newest first.
        Index("ix_inbound_messages_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID header (or, for mail without one, a digest of the message).
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Where it was read: the mailbox's name in INBOUND_MAILBOXES, and its IMAP position.
    mailbox: Mapped[str] = mapped_column(String(100))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    # The office of the receiving mailbox; a new case goes there unless the address says else.
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(20))
    # Personal data, cleared when the case is anonymised.
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    # Quoted history and signature, folded away from the timeline but kept available.
    folded_text: Mapped[str | None] = mapped_column(Text)
    # Attachments that were not stored, and why; other facts for the staff view.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    # The whole message, kept only while it is quarantined (at most the size limit).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)

    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("case_entries.id", ondelete="SET NULL"),
    )
    # Our automatic answer to this message (the receipt, or the size-limit notice): its
    # email carries In-Reply-To this message and Auto-Submitted: auto-replied.
    answer_outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )

    case: Mapped[Case | None] = relationship()

    @property
    def has_real_message_id(self) -> bool:
        return not self.message_id.endswith(SYNTHETIC_DOMAIN + ">")

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.status} {self.reason}>"


# Message-IDs we make up for mail without one (or with one too long to store) end so.
SYNTHETIC_DOMAIN = "@inbound.invalid"
