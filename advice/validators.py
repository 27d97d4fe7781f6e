"""Small reusable WTForms validators and filters shared by the features' forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form
from wtforms.validators import ValidationError

# Tab, line feed and carriage return are text; every other control character is not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PHONE = re.compile(r"^\+?[\d\s()\-]{6,25}$")


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
