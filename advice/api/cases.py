"""``POST /api/v1/cases``: a municipality's e-service sends a question into the queue.

The body carries the fields of the public form and goes through that form (``AskForm``)
and the intake service (``advice.intake.services.receive``): the same validation, routing,
receipt and office notice as /ask. What is the API's own: codes instead of database ids,
errors as problem documents, and the ``Idempotency-Key`` header.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from advice.api import bp, schemas
from advice.api.keys import current_key, key_required
from advice.api.openapi import ok, operation, problem
from advice.cases.models import Case
from advice.cases.services import mint_tracking_token
from advice.errors import problem_response
from advice.extensions import db
from advice.i18n import current_language
from advice.intake.forms import AskForm
from advice.intake.services import CONSENT_NOTICE_VERSION, Submission, key_row, receive
from advice.regions.models import Municipality
from advice.taxonomy.models import RequesterType, TaxonomyTerm, Topic

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_submission = schemas.CaseSubmission()
_created = schemas.CreatedCase()


def _invalid(errors: dict[str, list[str]]) -> Response:
    return problem_response(
        422,
        "Unprocessable Content",
        _("Frågan kunde inte tas emot. Rätta uppgifterna och skicka igen."),
        errors=errors,
    )


def _active_codes(model: type[TaxonomyTerm]) -> dict[str, int]:
    rows = db.session.execute(select(model.code, model.id).where(model.active.is_(True)))
    return {code: term_id for code, term_id in rows}


def _form_data(data: dict[str, Any], errors: dict[str, list[str]]) -> MultiDict[str, str]:
    """The body as the public form would post it: codes become the form's ids."""
    unknown = _("Okänd kod: %(code)s. Koderna finns i /api/v1/taxonomy.")
    fields: list[tuple[str, str]] = []
    municipality_id = db.session.scalar(
        select(Municipality.id).where(Municipality.code == data["municipality"])
    )
    if municipality_id is None:
        errors["municipality"] = [unknown % {"code": data["municipality"]}]
    else:
        fields.append(("municipality", str(municipality_id)))
    requester_types = _active_codes(RequesterType)
    if data["requester_type"] in requester_types:
        fields.append(("requester_type", str(requester_types[data["requester_type"]])))
    else:
        errors["requester_type"] = [unknown % {"code": data["requester_type"]}]
    topics = _active_codes(Topic)
    for code in data["topics"]:
        if code in topics:
            fields.append(("topics", str(topics[code])))
        else:
            errors.setdefault("topics", []).append(unknown % {"code": code})
    if data["consent"]:
        fields.append(("consent", "y"))
    for name in ("question", "name", "email", "phone", "language", "property_type",
                 "heating_system", "year_built", "heated_area_m2"):  # fmt: skip
        if data.get(name) is not None:
            fields.append((name, str(data[name])))
    return MultiDict(fields)


def _answer(case: Case, tracking_token: str, status: int) -> tuple[Response, int, dict[str, str]]:
    body = _created.dump(
        {
            "reference": case.reference,
            "tracking_url": url_for("tracking.track", token=tracking_token, _external=True),
            "status": case.status,
            "municipality": case.municipality.code,
            "office": case.office.name,
            "received_at": case.received_at,
        }
    )
    headers = {"Idempotent-Replayed": "true"} if status == 200 else {}
    return jsonify(body), status, headers


def _replay(stored_key: str, digest: str) -> tuple[Response, int, dict[str, str]] | Response | None:
    """The first answer again when this key was used before; None when it is new."""
    row = key_row(stored_key)
    if row is None:
        return None
    if row.request_digest != digest:
        return problem_response(
            422,
            "Unprocessable Content",
            "This Idempotency-Key was already used for a different request body.",
        )
    case = db.session.get(Case, row.case_id) if row.case_id is not None else None
    if case is None:
        abort(409, description="The first request with this Idempotency-Key left no case.")
    # The first tracking link is stored only as a hash: the replay gets a new one.
    token = mint_tracking_token(case)
    db.session.commit()
    return _answer(case, token, 200)


@bp.post("/cases")
@operation(
    summary="Send a question into the regional queue, as the public form /ask does",
    tags=["intake"],
    security=[{"integrationKey": []}],
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "description": (
                "Any unique value per submission (for example a UUID). Sending the same "
                "request again with the same key returns the first case (200) instead of "
                "creating a second one; the same key with another body is refused (422)."
            ),
            "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
        }
    ],
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": "CaseSubmission"}},
    },
    responses={
        "201": ok("CreatedCase", "The case was created; the requester gets a receipt by email."),
        "200": ok("CreatedCase", "A replay: this Idempotency-Key already created this case."),
        "400": problem("The body is not a JSON object, or the Idempotency-Key is malformed."),
        "401": problem("No valid, unrevoked integration key."),
        "403": problem("The key does not have the intake scope."),
        "415": problem("The body is not application/json."),
        "422": problem("A field is missing or invalid; see errors."),
        "429": problem("Too many calls with this key; wait and retry."),
    },
)
@key_required("intake")
def create_case() -> Response | tuple[Response, int, dict[str, str]]:
    if not request.is_json:
        abort(415, description="Send the case as application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    header = request.headers.get("Idempotency-Key")
    if header is not None and not IDEMPOTENCY_KEY.match(header):
        abort(400, description="Idempotency-Key: 1–64 letters, digits or . _ : -")
    stored_key = f"api:{current_key().id}:{header}" if header else None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    if stored_key and (replay := _replay(stored_key, digest)) is not None:
        return replay

    try:
        data = _submission.load(body)
    except ValidationError as error:
        messages = error.normalized_messages()
        return _invalid({name: [str(m) for m in _flat(value)] for name, value in messages.items()})
    errors: dict[str, list[str]] = {}
    form = AskForm(formdata=_form_data(data, errors), meta={"csrf": False})
    form.set_choices(current_language())
    if not form.validate() or errors:
        for name, messages in form.errors.items():
            if name not in errors:
                errors[name] = [str(message) for message in _flat(messages)]
        return _invalid(errors)

    created = receive(
        Submission(
            new_case=form.new_case(
                channel_code="web", consent_notice_version=CONSENT_NOTICE_VERSION
            ),
            idempotency_key=stored_key,
            request_digest=digest,
        )
    )
    if created is None:
        # A concurrent request with the same key created the case first.
        replay = _replay(stored_key or "", digest)
        if replay is None:
            abort(409, description="A concurrent request with this Idempotency-Key failed.")
        return replay
    return _answer(created.case, created.tracking_token, 201)


def _flat(messages: Any) -> list[Any]:
    """Marshmallow and WTForms nest messages (lists, dicts per list item); flatten them."""
    if isinstance(messages, dict):
        return [item for value in messages.values() for item in _flat(value)]
    if isinstance(messages, list | tuple):
        return [item for value in messages for item in _flat(value)]
    return [messages]
