from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from advice.extensions import db


class TaxonomyTerm:
    """Columns shared by every taxonomy: a stable code and labels in both languages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_sv: Mapped[str] = mapped_column(String(150))
    label_en: Mapped[str] = mapped_column(String(150))
    sort_order: Mapped[int] = mapped_column(default=0)
    # Retired terms stay for history and statistics but are no longer offered.
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_sv

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Topic(TaxonomyTerm, db.Model):
    __tablename__ = "topics"


class RequesterType(TaxonomyTerm, db.Model):
    __tablename__ = "requester_types"


class Channel(TaxonomyTerm, db.Model):
    __tablename__ = "channels"
