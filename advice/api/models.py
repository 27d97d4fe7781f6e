"""Integration keys (how a municipality's e-service or report tool calls the API) and
advisers' personal tokens.

A key is shown once, when it is created; only its SHA-256 is stored (a key carries 256
bits of randomness, so a plain digest is enough). Its prefix, the part before the secret,
names the key in lists and in the audit log without revealing it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advice.accounts.models import User
from advice.clock import UTCDateTime, utcnow
from advice.extensions import db

SCOPES = ("intake", "stats")


class IntegrationKey(db.Model):
    __tablename__ = "integration_keys"
    __table_args__ = (
        CheckConstraint("scopes IN ('intake', 'stats', 'intake stats')", name="scopes_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated, in the order of SCOPES.
    scopes: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def allows(self, scope: str) -> bool:
        return self.revoked_at is None and scope in self.scope_list


class PersonalToken(db.Model):
    """An adviser's own key for reading their queue and their cases through the API.

    It acts as its user, never beyond: it reads what the user may open, and stops working
    when it expires, when it is revoked, and when the user is deactivated or signed out
    everywhere (a password reset or a new second factor moves ``session_epoch`` on).
    """

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's session_epoch when the token was made.
    epoch: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def works(self, now: datetime) -> bool:
        user = self.user
        return (
            self.revoked_at is None
            and now < self.expires_at
            and user.active
            and user.session_epoch == self.epoch
            and user.has_role("adviser")
        )
