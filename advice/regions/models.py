from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advice.extensions import db

if TYPE_CHECKING:
    from advice.accounts.models import User


class Office(db.Model):
    """An advice office (rådgivningskontor); covers one or more municipalities."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="office", order_by="Municipality.name"
    )
    members: Mapped[list[User]] = relationship(
        secondary="user_offices", back_populates="offices", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class Municipality(db.Model):
    """A municipality (kommun), with its official four-digit code."""

    __tablename__ = "municipalities"
    __table_args__ = (
        CheckConstraint("length(code) = 4", name="code_four_digits"),
        CheckConstraint(
            "retention_months IS NULL OR retention_months > 0", name="retention_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Exactly one office at a time; a change applies to new cases only.
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    # Each municipality's own deletion rules may override the region's retention period.
    retention_months: Mapped[int | None] = mapped_column()

    office: Mapped[Office] = relationship(back_populates="municipalities")

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"


class RegionSetting(db.Model):
    """Region-wide settings the coordinator edits (SLA days, retention, texts)."""

    __tablename__ = "region_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
