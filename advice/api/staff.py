"""An adviser's own queue and cases, read with their personal token (``advice.api.tokens``).

The same queries and access rules as the queue and case pages: the token signs its user
in for the request, ``queue_page`` lists what their queue lists, and ``get_case_or_404``
answers 404 for a case they may not open exactly as for one that does not exist. Reading
a case is audited as ``case.viewed``, as on the case page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from advice.api import bp, schemas
from advice.api.openapi import ok, operation, path_parameter, problem
from advice.api.tokens import token_required
from advice.audit import services as audit
from advice.cases.access import get_case_or_404
from advice.cases.models import Case
from advice.cases.queries import QueueFilter, case_with_timeline, queue_page, sla_state
from advice.extensions import db
from advice.privacy.export import entry_data

_queue_query = schemas.QueueQuery()
_queue_list = schemas.QueueList()
_case_record = schemas.CaseRecord()

SECURITY = [{"personalToken": []}]
REFUSED = {
    "401": problem("No working personal token (missing, unknown, revoked or expired)."),
    "429": problem("Too many calls with this token; wait and retry."),
}


def _summary(case: Case) -> dict[str, Any]:
    municipality = case.municipality
    return {
        "reference": case.reference,
        "status": case.status,
        "received_at": case.received_at,
        "first_response_due_at": case.first_response_due_at,
        "sla": sla_state(case),
        "municipality": (
            {"code": municipality.code, "name": municipality.name} if municipality else None
        ),
        "office": {"code": case.office.code, "name": case.office.name},
        "topics": [topic.code for topic in case.topics],
        "requester_type": case.requester_type.code if case.requester_type else None,
        "channel": case.channel.code,
        "assignee": case.assignee.name if case.assignee else None,
        "url": url_for("cases.case_page", reference=case.reference, _external=True),
    }


@bp.get("/queue")
@operation(
    summary="My queue: the cases of my offices, as the queue page lists them",
    tags=["advisers"],
    security=SECURITY,
    parameters=[{"in": "query", "schema": schemas.QueueQuery}],
    responses={
        "200": ok("QueueList", "Oldest first, 25 a page; follow 'next' for more."),
        "400": problem("A query parameter is invalid."),
        **REFUSED,
    },
)
@token_required
def my_queue() -> Response:
    args = schemas.load_query(_queue_query)
    page = queue_page(current_user, QueueFilter(**args))
    next_url = (
        url_for(
            "api.my_queue",
            status=args["status"],
            assignee=args["assignee"],
            overdue="true" if args["overdue"] else None,
            after=page.next_cursor,
            _external=True,
        )
        if page.next_cursor
        else None
    )
    body = {
        "cases": [_summary(case) for case in page.cases],
        "total": page.total,
        "total_capped": page.total_capped,
        "next": next_url,
    }
    return jsonify(_queue_list.dump(body))


@bp.get("/cases/<reference>")
@operation(
    summary="One case I may open, with its requester's details and timeline",
    tags=["advisers"],
    security=SECURITY,
    parameters=[path_parameter("reference", 20)],
    responses={
        "200": ok("CaseRecord"),
        "404": problem("No such case, or not one of mine: the two answer the same."),
        **REFUSED,
    },
)
@token_required
def get_case(reference: str) -> Response:
    case = case_with_timeline(get_case_or_404(reference).id)
    audit.record("case.viewed", obj=case, case_id=case.id)
    contact = case.contact
    body = {
        **_summary(case),
        "language": case.language,
        "question": case.question,
        "contact": (
            {"name": contact.name, "email": contact.email, "phone": contact.phone}
            if contact is not None
            else None
        ),
        "property_type": case.property_type,
        "year_built": case.year_built,
        "heated_area_m2": case.heated_area_m2,
        "heating_system": case.heating_system,
        "anonymised": case.anonymised_at is not None,
        "entries": [entry_data(entry) for entry in case.entries],
        "attachments": [
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size_bytes": attachment.size_bytes,
                "uploaded_at": attachment.created_at,
            }
            for attachment in case.attachments
            if attachment.deleted_at is None
        ],
    }
    answer = jsonify(_case_record.dump(body))
    db.session.commit()  # the audit event, after the case was read
    return answer
