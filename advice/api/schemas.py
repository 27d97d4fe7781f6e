"""Marshmallow schemas of the JSON API: they shape the answers, check the query strings,
and are the source of the OpenAPI document's components (see ``advice.api.openapi``)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


def load_query(schema: Schema) -> dict[str, Any]:
    """The request's query string read by ``schema``; a 400 naming the parameters that
    are not valid otherwise."""
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as error:
        names = ", ".join(sorted(error.normalized_messages()))
        abort(400, description=f"Invalid query parameter: {names}.")


MAX_PER_PAGE = 50
MAX_PAGE = 10_000
MUNICIPALITY_CODE = r"^[0-9]{4}$"
TERM_CODE = r"^[a-z0-9_]{1,40}$"
PERIOD = r"^$|^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$|^custom$"


class ArticleListQuery(Schema):
    """The query string of ``GET /kb/articles``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Words to search for (Swedish or English)."},
    )
    topic = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={
            "description": (
                "Only articles on this topic, a code from /taxonomy; an unknown or retired "
                "code matches no articles."
            )
        },
    )
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), strict=False
    )
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE), strict=False
    )


class Term(Schema):
    """A taxonomy term: a stable code and its labels in Swedish and English."""

    code = fields.String(required=True)
    label_sv = fields.String(required=True)
    label_en = fields.String(required=True)


class Municipality(Schema):
    code = fields.String(
        required=True, metadata={"description": "The official four-digit municipality code."}
    )
    name = fields.String(required=True)


class Taxonomy(Schema):
    municipalities = fields.List(fields.Nested(Municipality), required=True)
    topics = fields.List(fields.Nested(Term), required=True)
    requester_types = fields.List(fields.Nested(Term), required=True)
    channels = fields.List(fields.Nested(Term), required=True)


class ArticleSummary(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(required=True, validate=validate.OneOf(["sv", "en"]))
    topics = fields.List(fields.Nested(Term), required=True)
    url = fields.Url(
        required=True, metadata={"description": "The article on the public site.", "format": "uri"}
    )
    updated_at = fields.AwareDateTime(required=True)


class Article(ArticleSummary):
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    body_html = fields.String(
        required=True,
        metadata={"description": "The article's body as sanitised HTML, as shown on /kb."},
    )


class Paging(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class ArticleList(Schema):
    items = fields.List(fields.Nested(ArticleSummary), required=True)
    paging = fields.Nested(Paging, required=True)


class Problem(Schema):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type = fields.String(load_default="about:blank")
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": (
                "For an invalid request body: the messages per field, in the language of "
                "the Accept-Language header (Swedish or English)."
            )
        },
    )


# What marshmallow says of a request body, in the caller's language. Each message is kept
# lazy and rendered when the answer is written, in the request's locale.
MISSING = _l("Fältet saknas.")
NOT_NULL = _l("Fältet får inte vara null.")
INVALID_VALUE = _l("Ogiltigt värde.")
INVALID_TYPE = {
    fields.String: _l("Ange en textsträng."),
    fields.Integer: _l("Ange ett heltal."),
    fields.Boolean: _l("Ange true eller false."),
    fields.List: _l("Ange en lista."),
}


def _message(field: fields.Field, key: str) -> Any:
    if key == "required":
        return MISSING
    if key == "null":
        return NOT_NULL
    if key == "invalid":
        return next(
            (text for kind, text in INVALID_TYPE.items() if isinstance(field, kind)), INVALID_VALUE
        )
    return INVALID_VALUE


class RequestBody(Schema):
    """A JSON request body whose error messages follow the caller's language.

    Marshmallow's own messages are English; every one a field of the body can give is
    replaced when the field is bound, including those of a list's items.
    """

    error_messages = {"unknown": _l("Okänt fält."), "type": _l("Ange ett JSON-objekt.")}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        for field in (field_obj, getattr(field_obj, "inner", None)):
            if field is not None:
                field.error_messages = {key: _message(field, key) for key in field.error_messages}


class CaseSubmission(RequestBody):
    """The body of ``POST /cases``: the fields of the public question form (/ask).

    The same rules apply as on the form; codes come from ``GET /taxonomy``. Attachments
    cannot be sent through the API: the requester can add them from the tracking page.
    Lengths, patterns and the consent are documented here (metadata) but checked by the
    form itself (``AskForm``), so that the messages are the form's, in the caller's language.
    """

    municipality = fields.String(
        required=True,
        metadata={"description": "Municipality code (four digits).", "pattern": MUNICIPALITY_CODE},
    )
    requester_type = fields.String(
        required=True,
        metadata={"description": "A requester type code from /taxonomy.", "pattern": TERM_CODE},
    )
    topics = fields.List(
        fields.String(metadata={"pattern": TERM_CODE}),
        required=True,
        validate=validate.Length(min=1, max=20, error=_l("Välj mellan {min} och {max} ämnen.")),
        metadata={"description": "One or more topic codes from /taxonomy."},
    )
    question = fields.String(required=True, metadata={"minLength": 1, "maxLength": 10_000})
    name = fields.String(required=True, metadata={"minLength": 1, "maxLength": 200})
    email = fields.String(required=True, metadata={"format": "email", "maxLength": 254})
    phone = fields.String(load_default=None, allow_none=True)
    language = fields.String(
        load_default="sv",
        validate=validate.OneOf(["sv", "en"], error=_l("Ange ett av: {choices}.")),
        metadata={"description": "The language the requester wants the answer in."},
    )
    property_type = fields.String(load_default=None, allow_none=True)
    year_built = fields.Integer(load_default=None, allow_none=True, strict=True)
    heated_area_m2 = fields.Integer(load_default=None, allow_none=True, strict=True)
    heating_system = fields.String(load_default=None, allow_none=True)
    consent = fields.Boolean(
        required=True,
        metadata={
            "enum": [True],
            "description": (
                "True when the requester accepted the processing of their personal data "
                "on the calling service, as on /ask."
            ),
        },
    )


class CreatedCase(Schema):
    reference = fields.String(required=True, metadata={"example": "EK-2026-00042"})
    tracking_url = fields.Url(
        required=True,
        metadata={
            "format": "uri",
            "description": (
                "The requester's private link to follow the case. Also emailed to them; "
                "give it only to the requester. A replayed request gets a new, equally "
                "valid link."
            ),
        },
    )
    status = fields.String(required=True)
    municipality = fields.String(required=True)
    office = fields.String(required=True, metadata={"description": "The office handling it."})
    received_at = fields.AwareDateTime(required=True)


class StatsQuery(Schema):
    """The query string of ``GET /stats``: the period and filters of the statistics page."""

    class Meta:
        unknown = EXCLUDE

    period = fields.String(
        load_default="",
        validate=validate.Regexp(PERIOD),
        metadata={
            "description": (
                "YYYY, YYYY-Qn, YYYY-MM or 'custom' with from and to; this year when empty."
            )
        },
    )
    from_ = fields.String(
        data_key="from",
        load_default=None,
        validate=validate.Length(max=10),
        metadata={"description": "First day (YYYY-MM-DD) of a custom period."},
    )
    to = fields.String(
        load_default=None,
        validate=validate.Length(max=10),
        metadata={"description": "Last day (YYYY-MM-DD) of a custom period."},
    )
    municipality = fields.String(
        load_default=None,
        validate=validate.Regexp(MUNICIPALITY_CODE),
        metadata={"description": "Only cases about this municipality (code)."},
    )
    office = fields.String(
        load_default=None,
        validate=validate.Regexp(TERM_CODE),
        metadata={"description": "Only cases held by this office (code)."},
    )


class StatsPeriod(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)


class StatsTable(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    headers = fields.List(fields.String(), required=True)
    rows = fields.List(
        fields.List(fields.Raw(allow_none=True)),
        required=True,
        metadata={
            "description": (
                "Cells are text, numbers or null; null also where a count below the "
                "minimum cell size is hidden."
            )
        },
    )
    note = fields.String(allow_none=True)


class Stats(Schema):
    period = fields.Nested(StatsPeriod, required=True)
    filters = fields.String(required=True, metadata={"description": "The filters, in words."})
    minimum_cell_size = fields.Integer(required=True)
    tables = fields.List(fields.Nested(StatsTable), required=True)


# --- An adviser's own queue and cases (personal token) --------------------------------------

CASE_STATUSES = ["new", "assigned", "in_progress", "waiting", "resolved", "closed"]


class QueueQuery(Schema):
    """The query string of ``GET /queue``: the queue page's main filters, with its
    defaults (new, unassigned cases of the adviser's offices, oldest first)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(
        load_default="new",
        validate=validate.OneOf([*CASE_STATUSES, "open", "all"]),
        metadata={"description": "A status, 'open' (any open status) or 'all'."},
    )
    assignee = fields.String(
        load_default="unassigned",
        validate=validate.OneOf(["unassigned", "me", "any"]),
    )
    overdue = fields.Boolean(
        load_default=False, metadata={"description": "Only cases past their first-response time."}
    )
    after = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9]{1,20}\.[0-9]{1,20}$"),
        metadata={"description": "The cursor of the next page (from the answer's 'next')."},
    )


class OfficeRef(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CaseSummary(Schema):
    """A case as the queue lists it: no personal data."""

    reference = fields.String(required=True, metadata={"example": "EK-2026-00042"})
    status = fields.String(required=True, metadata={"enum": CASE_STATUSES})
    received_at = fields.AwareDateTime(required=True)
    first_response_due_at = fields.AwareDateTime(required=True)
    sla = fields.String(
        required=True,
        metadata={
            "enum": ["answered", "on_time", "due_soon", "overdue"],
            "description": "Where the case stands against its first-response time.",
        },
    )
    municipality = fields.Nested(Municipality, allow_none=True, required=True)
    office = fields.Nested(OfficeRef, required=True)
    topics = fields.List(fields.String(), required=True, metadata={"description": "Topic codes."})
    requester_type = fields.String(allow_none=True, required=True)
    channel = fields.String(required=True)
    assignee = fields.String(
        allow_none=True, required=True, metadata={"description": "The assigned adviser's name."}
    )
    url = fields.Url(required=True, metadata={"description": "The case page."})


class QueueList(Schema):
    cases = fields.List(fields.Nested(CaseSummary), required=True)
    total = fields.Integer(required=True, metadata={"description": "Counted up to 10,000."})
    total_capped = fields.Boolean(required=True)
    next = fields.Url(allow_none=True, required=True, metadata={"description": "The next page."})


class CaseContact(Schema):
    name = fields.String(allow_none=True, required=True)
    email = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, required=True)


class TimelineEntry(Schema):
    """One event of the case's timeline (the same data as in the data-subject export)."""

    kind = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    shown_to_requester = fields.Boolean(
        required=True,
        metadata={"description": "Whether the requester sees it (messages, replies)."},
    )
    author = fields.String(allow_none=True, required=True)
    text = fields.String(allow_none=True, required=True)
    minutes = fields.Integer(allow_none=True, required=True)
    old_status = fields.String(allow_none=True, required=True)
    new_status = fields.String(allow_none=True, required=True)
    assignee = fields.String(allow_none=True, required=True)
    from_office = fields.String(allow_none=True, required=True)
    to_office = fields.String(allow_none=True, required=True)
    score = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Satisfaction."}
    )
    decision = fields.String(
        allow_none=True, required=True, metadata={"description": "An erasure decision."}
    )


class AttachmentInfo(Schema):
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    uploaded_at = fields.AwareDateTime(required=True)


class CaseRecord(CaseSummary):
    """One case with its personal data and timeline, as its case page shows it."""

    language = fields.String(required=True)
    question = fields.String(required=True)
    contact = fields.Nested(CaseContact, allow_none=True, required=True)
    property_type = fields.String(allow_none=True, required=True)
    year_built = fields.Integer(allow_none=True, required=True)
    heated_area_m2 = fields.Integer(allow_none=True, required=True)
    heating_system = fields.String(allow_none=True, required=True)
    anonymised = fields.Boolean(required=True)
    entries = fields.List(fields.Nested(TimelineEntry), required=True)
    attachments = fields.List(fields.Nested(AttachmentInfo), required=True)
