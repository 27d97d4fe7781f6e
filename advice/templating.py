"""What every template may use: navigation by role, language, and locale formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from advice.clock import utcnow
from advice.i18n import current_language


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    roles: tuple[str, ...]


# Staff navigation; an item shows once its feature's endpoint exists and the user
# holds one of its roles.
STAFF_NAVIGATION = (
    NavItem("cases.queue", _l("Kö"), ("adviser",)),
    NavItem("cases.new_contact", _l("Registrera kontakt"), ("adviser",)),
    NavItem("knowledge.staff_index", _l("Kunskapsbank"), ("adviser", "coordinator")),
    NavItem("stats.index", _l("Statistik"), ("adviser", "coordinator")),
    NavItem("privacy.export_search", _l("Registerutdrag"), ("adviser", "admin")),
    NavItem("admin.index", _l("Administration"), ("coordinator", "admin")),
)

PUBLIC_NAVIGATION = (
    NavItem("public.index", _l("Start"), ()),
    NavItem("intake.ask", _l("Ställ en fråga"), ()),
    NavItem("knowledge.public_index", _l("Kunskapsbank"), ()),
)


def _visible(items: tuple[NavItem, ...]) -> list[dict[str, Any]]:
    visible = []
    for item in items:
        if item.endpoint not in current_app.view_functions:
            continue
        if item.roles and not (
            current_user.is_authenticated and any(current_user.has_role(r) for r in item.roles)
        ):
            continue
        url = url_for(item.endpoint)
        visible.append(
            {
                "url": url,
                "label": item.label,
                "current": request.path.startswith(url) if url != "/" else request.path == "/",
            }
        )
    return visible


def navigation() -> dict[str, Any]:
    staff = _visible(STAFF_NAVIGATION) if current_user.is_authenticated else []
    return {
        "public_navigation": _visible(PUBLIC_NAVIGATION),
        "staff_navigation": staff,
        "current_language": current_language(),
        "languages": current_app.config["LANGUAGES"],
    }


def age(moment: datetime) -> str:
    """How long ago, in words of the current language ("3 dagar")."""
    return format_timedelta(utcnow() - moment, threshold=1.1)


def init_templating(app: Flask) -> None:
    from advice.cases.forms import ENTRY_KIND_LABELS, STATUS_LABELS
    from advice.mail.rendering import paragraphs

    app.context_processor(navigation)
    app.jinja_env.globals.update(
        entry_kind_labels=ENTRY_KIND_LABELS, case_status_labels=STATUS_LABELS
    )
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["age"] = age
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
