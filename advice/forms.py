"""The base of every form: each field reads only the kind of value it can hold."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from wtforms import FileField, IntegerField

from advice.validators import MAX_BIGINT, NoControlCharacters

SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FROM_REQUEST: Any = object()


def _posted(file_fields: set[str]) -> CombinedMultiDict[str, Any] | None:
    """The posted form, with only the files posted under a file field's name."""
    if not has_request_context() or request.method not in SUBMIT_METHODS:
        return None
    files = ImmutableMultiDict(
        [(name, upload) for name, upload in request.files.items(multi=True) if name in file_fields]
    )
    if not request.form and not files:
        return None
    return CombinedMultiDict([files, request.form])


class Form(FlaskForm):
    """A Flask-WTF form whose fields only ever see values they can hold.

    Flask-WTF merges ``request.files`` into the form data and reads a JSON body as form
    data. A file posted under a text field's name, or a number, list or object from JSON,
    then reaches validators written for strings, which fail with a TypeError: a 500 for a
    malformed post. Here only file fields see files, and a JSON body is no form (the API
    reads JSON with its own schemas). A NUL character is refused in every field, with the
    message of ``NoControlCharacters``: PostgreSQL can neither store it nor compare it.
    A whole number past a BIGINT is no valid number, as WTForms says of "abc".
    """

    def __init__(self, formdata: Any = _FROM_REQUEST, **kwargs: Any) -> None:
        if formdata is _FROM_REQUEST:
            formdata = _posted(self._file_field_names(kwargs.get("prefix", "")))
        super().__init__(formdata=formdata, **kwargs)
        for field in self:
            # WTForms' NumberRange converts to float (its NaN check) and raises
            # OverflowError past 1e308; no column holds a number past a BIGINT anyway.
            if isinstance(field, IntegerField) and isinstance(field.data, int):
                if not -MAX_BIGINT <= field.data <= MAX_BIGINT:
                    field.data = None
                    field.process_errors.append(field.gettext("Not a valid integer value."))

    @classmethod
    def _file_field_names(cls, prefix: str) -> set[str]:
        # The names WTForms gives the fields: the prefix joined with a dash.
        if prefix and prefix[-1] not in "-_;:/.":
            prefix += "-"
        unbound = cls._unbound_fields or []
        return {
            prefix + name for name, field in unbound if issubclass(field.field_class, FileField)
        }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if any(isinstance(raw, str) and "\x00" in raw for raw in field.raw_data or ()):
                if not field.errors:
                    field.errors = [*field.errors, NoControlCharacters().message]
                valid = False
        return valid
