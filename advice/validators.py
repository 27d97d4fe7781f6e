"""What a request may carry: WTForms validators and filters shared by the features'
forms, whole numbers read from query strings and forms, and the checks every request
passes before its view."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Flask, abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms import Field, Form
from wtforms.validators import ValidationError

# Tab, line feed and carriage return are text; every other control character is not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PHONE = re.compile(r"^\+?[\d\s()\-]{6,25}$")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")

# The largest value of an INTEGER column in PostgreSQL (SQLite's hold 64 bits). Every id in
# an address or a filter is an INTEGER primary key; a larger number cannot match one, and
# the database refuses to compare with it (psycopg: "integer out of range", sqlite3:
# OverflowError).
MAX_INTEGER = 2**31 - 1
MAX_BIGINT = 2**63 - 1


def parse_integer(value: str | None, maximum: int = MAX_INTEGER) -> int | None:
    """A whole number written in ASCII digits, at most ``maximum``; otherwise None.

    ``str.isdigit`` is true for "²" and other digits that ``int`` refuses, and ``int``
    takes numbers far past any column's range: both reach the database or raise.
    """
    if not value or not (value.isascii() and value.isdigit()):
        return None
    if len(value) > len(str(maximum)) or int(value) > maximum:
        return None
    return int(value)


class IdConverter(IntegerConverter):
    """``<int:…>`` in an address: an id that fits an INTEGER column, else no match (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document, keys included, without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def refuse_unstorable_input() -> None:
    """Answer 400 before the view when the address or a JSON body holds what no column can.

    A NUL character cannot be stored in PostgreSQL text, nor compared with it: psycopg
    raises. A lone surrogate cannot be encoded as UTF-8 at all. JSON nested deeper than
    the parser's recursion limit raises RecursionError, not a decoding error. Forms check
    their own fields (``advice.forms.Form``), with a message beside the field.
    """
    refused = _("Förfrågan innehåller tecken som inte kan tas emot.")
    path_values = (request.view_args or {}).values()
    if any(isinstance(value, str) and "\x00" in value for value in path_values):
        abort(400, description=refused)
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            abort(400, description=refused)
    if request.is_json:
        try:
            document = request.get_json(silent=True)
        except RecursionError:
            abort(400, description=_("JSON-dokumentet är för djupt nästlat."))
        for text in _strings(document):
            if "\x00" in text or _LONE_SURROGATE.search(text):
                abort(400, description=refused)


def init_input_checks(app: Flask) -> None:
    # Before the blueprints, whose rules bind their converters when they are added.
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_input)


def strip_text(value: Any) -> Any:
    """Trim surrounding white space and make line endings uniform."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


class NoControlCharacters:
    def __init__(self, message: Any = None) -> None:
        self.message = message or _l("Texten innehåller tecken som inte kan sparas.")

    def __call__(self, form: Form, field: Field) -> None:
        if isinstance(field.data, str) and _CONTROL.search(field.data):
            raise ValidationError(self.message)


class PlausibleYear:
    """A building year from 1600 up to next year (houses are sold before completion)."""

    def __call__(self, form: Form, field: Field) -> None:
        latest = date.today().year + 1
        if field.data is not None and not 1600 <= field.data <= latest:
            raise ValidationError(
                _l("Ange ett byggår mellan %(min)s och %(max)s.", min=1600, max=latest)
            )


class PhoneNumber:
    def __init__(self, message: Any = None) -> None:
        self.message = message or _l("Ange telefonnumret med siffror, till exempel 070-123 45 67.")

    def __call__(self, form: Form, field: Field) -> None:
        if field.data and not _PHONE.match(field.data):
            raise ValidationError(self.message)
