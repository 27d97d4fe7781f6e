"""Case references like EK-2026-00042: readable aloud, unique, never reused."""

from __future__ import annotations

import re

from sqlalchemy import text

from advice.extensions import db

REFERENCE_PATTERN = re.compile(r"^(?P<prefix>[A-Z]{1,6})-(?P<year>\d{4})-(?P<number>\d{5,})$")


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:05d}"


def next_reference_number(year: int) -> int:
    """Take the next number for the year in the current transaction.

    One atomic upsert: PostgreSQL locks the counter row until the transaction ends, and
    SQLite holds its write lock from BEGIN IMMEDIATE, so two concurrent intakes can never
    read the same value. A rolled-back transaction may leave a gap; that is acceptable,
    a reused number is not.
    """
    return db.session.execute(
        text(
            "INSERT INTO reference_counters (year, last_value) VALUES (:year, 1) "
            "ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + 1 "
            "RETURNING last_value"
        ),
        {"year": year},
    ).scalar_one()


def reserve_reference_block(year: int, size: int) -> int:
    """Reserve ``size`` consecutive numbers at once (bulk demo data); returns the first."""
    last = db.session.execute(
        text(
            "INSERT INTO reference_counters (year, last_value) VALUES (:year, :size) "
            "ON CONFLICT (year) DO UPDATE SET last_value = reference_counters.last_value + :size "
            "RETURNING last_value"
        ),
        {"year": year, "size": size},
    ).scalar_one()
    return int(last) - size + 1
