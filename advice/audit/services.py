from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from advice.audit.models import AuditEvent
from advice.extensions import db


def record(
    action: str,
    *,
    obj: Any = None,
    case_id: int | None = None,
    actor_id: int | None = None,
    actor_label: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; it commits with the change."""
    client = None
    in_request = has_request_context()
    if in_request:
        client = request.remote_addr
        if actor_id is None and actor_label is None and current_user.is_authenticated:
            actor_id = current_user.id
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) else None,
        case_id=case_id,
        actor_id=actor_id,
        actor_label=actor_label or (None if actor_id else "anonymous" if in_request else "system"),
        client=client,
        details=details,
    )
    db.session.add(event)
    return event
