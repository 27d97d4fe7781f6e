from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, lazyload, mapped_column, relationship

from advice.clock import UTCDateTime, utcnow
from advice.extensions import db
from advice.regions.models import Office

ROLES = ("adviser", "coordinator", "admin")

user_offices = Table(
    "user_offices",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True),
)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint("role IN ('adviser', 'coordinator', 'admin')", name="role_known"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("language IN ('sv', 'en')", name="language_known"),
        CheckConstraint("notify IN ('each', 'daily', 'none')", name="notify_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive in effect.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The TOTP secret, sealed (advice.accounts.sealing) with a key derived from the
    # secret key: a copy of the database alone does not give second factors away.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last accepted code: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(2), default="sv")
    # New-case emails: one per case ("each"), a daily digest ("daily") or "none".
    notify: Mapped[str] = mapped_column(String(10), default="each", server_default="each")
    # Bumped on password change and deactivation: every existing session ends.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    offices: Mapped[list[Office]] = relationship(
        secondary=user_offices, back_populates="members", lazy="selectin", order_by=Office.name
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None and self.totp_enabled_at is not None

    @property
    def office_ids(self) -> frozenset[int]:
        return frozenset(office.id for office in self.offices)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


# Loader options for staff shown by name (assignees, authors, colleagues in a list): their
# roles and offices load when something asks for them, not with every list of names.
BY_NAME = (lazyload(User.role_rows), lazyload(User.offices))


class LoginAttempt(db.Model):
    """Every sign-in attempt, for throttling by account and by client."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str] = mapped_column(String(254))
    client: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; stored as SHA-256.

    The codes carry 80 random bits, so their plain SHA-256 cannot be reversed from a
    copy of the database (the same reasoning as for tracking tokens), and unlike a keyed
    hash they survive a rotation of the secret key.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
