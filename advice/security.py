"""Who may do what: sign-in by default, roles, offices, and case access.

Every view goes through this module; a view is private unless marked ``@public``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from advice.extensions import db, login_manager

if TYPE_CHECKING:
    from advice.accounts.models import User
    from advice.cases.models import Case

F = TypeVar("F", bound=Callable[..., Any])

# Set at sign-in for a user whose role requires a second factor they have not enrolled:
# until they have, every staff page sends them to the enrolment.
ENROLMENT_REQUIRED = "totp_enrolment_required"
ENROLMENT_ENDPOINTS = frozenset({"accounts.two_factor", "accounts.logout", "static"})


def public(view: F) -> F:
    """Open a view to visitors who are not signed in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def role_required(*roles: str) -> Callable[[F], F]:
    """Allow signed-in users holding any of the roles; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def can_see_case(user: User | Any, case: Case) -> bool:
    """Personal data belongs to the office holding the case and the assignee."""
    if not user.is_authenticated or not user.has_role("adviser"):
        return False
    return case.office_id in user.office_ids or case.assignee_id == user.id


def can_act_for_office(user: User | Any, office_id: int) -> bool:
    return user.is_authenticated and user.has_role("adviser") and office_id in user.office_ids


def _require_login() -> Response | None:
    if request.endpoint is None:
        return None  # a 404 or 405 follows
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "is_public", False):
        return None
    if current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _require_enrolment() -> Response | None:
    """A user who must enrol a second factor can do nothing else until they have."""
    if not session.get(ENROLMENT_REQUIRED) or request.endpoint is None:
        return None
    if request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated or current_user.totp_enabled:
        session.pop(ENROLMENT_REQUIRED, None)
        return None
    if request.path.startswith("/api/"):
        abort(403)
    return redirect(url_for("accounts.two_factor"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    from advice.accounts.models import User

    user_part, _, epoch = user_id.partition(".")
    if not user_part.isdigit() or not epoch.isdigit():
        return None
    # Roles and offices with the user, in one statement: every page asks for them.
    user = db.session.get(
        User, int(user_part), options=[joinedload(User.role_rows), joinedload(User.offices)]
    )
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


def init_security(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    app.before_request(_require_login)
    app.before_request(_require_enrolment)
    # Static files are public by nature.
    app.view_functions["static"].is_public = True  # type: ignore[attr-defined]
