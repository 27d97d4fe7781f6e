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
        return str(getattr(self, label_attribute(language)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


def label_attribute(language: str) -> str:
    """The name of a term's label column in a language (Swedish unless English)."""
    return "label_en" if language == "en" else "label_sv"


class Topic(TaxonomyTerm, db.Model):
    __tablename__ = "topics"


class RequesterType(TaxonomyTerm, db.Model):
    __tablename__ = "requester_types"


class Channel(TaxonomyTerm, db.Model):
    __tablename__ = "channels"
