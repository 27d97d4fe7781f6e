"""Requesters: normalised email and phone, so one person's cases come together."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from advice.cases.models import Contact
from advice.extensions import db

_NOT_DIGITS = re.compile(r"[^\d+]")


def normalise_email(email: str | None) -> str | None:
    if not email or not email.strip():
        return None
    return email.strip().lower()


def normalise_phone(phone: str | None) -> str | None:
    """Swedish numbers in E.164: ``070-123 45 67``, ``+46701234567`` → ``+46701234567``."""
    if not phone:
        return None
    compact = _NOT_DIGITS.sub("", phone)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:].replace("+", "")
        return "+" + digits if len(digits) >= 6 else None
    compact = compact.replace("+", "")
    if compact.startswith("0") and len(compact) >= 7:
        return "+46" + compact[1:]
    return compact or None


@dataclass(frozen=True)
class ContactDetails:
    name: str | None
    email: str | None
    phone: str | None
    language: str = "sv"

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone)


def find_or_create_contact(details: ContactDetails) -> Contact | None:
    """The contact with this email, updated with the newest details, or a new one.

    Two intakes from the same new address at the same moment must not both insert:
    the insert skips on conflict and the row is read back.
    """
    if details.is_empty:
        return None
    email_key = normalise_email(details.email)
    values = {
        "name": (details.name or "").strip() or None,
        "email": (details.email or "").strip() or None,
        "phone": (details.phone or "").strip() or None,
        "phone_normalised": normalise_phone(details.phone),
        "language": details.language,
    }
    if email_key is None:
        contact = Contact(**values)
        db.session.add(contact)
        db.session.flush()
        return contact
    dialect_insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(Contact)
        .values(email_normalised=email_key, **values)
        .on_conflict_do_nothing(index_elements=["email_normalised"])
    )
    db.session.execute(statement)
    contact = db.session.scalars(select(Contact).where(Contact.email_normalised == email_key)).one()
    # The newest details win, but a missing phone does not erase a known one.
    contact.name = values["name"] or contact.name
    contact.phone = values["phone"] or contact.phone
    contact.phone_normalised = values["phone_normalised"] or contact.phone_normalised
    contact.language = details.language
    return contact
