"""Load-or-404 helpers that check access too: a case someone may not see does not exist."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from advice.cases.models import Case, TrackingToken
from advice.cases.services import hash_token
from advice.extensions import db
from advice.security import can_see_case


def get_case_or_404(reference: str) -> Case:
    """The case for signed-in staff who may see it; 404 for everyone else.

    404 rather than 403, so that nobody learns which references exist.
    """
    case = db.session.scalars(select(Case).where(Case.reference == reference.upper())).first()
    if case is None or not can_see_case(current_user, case):
        abort(404)
    return case


def get_case_by_token_or_404(token: str) -> Case:
    """The case for the requester holding its private tracking link."""
    if not token or len(token) > 100:
        abort(404)
    case = db.session.scalars(
        select(Case)
        .join(TrackingToken, TrackingToken.case_id == Case.id)
        .where(TrackingToken.token_hash == hash_token(token))
    ).first()
    if case is None:
        abort(404)
    return case
