from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from advice.forms import Form
from advice.intake.forms import MultiCheckboxField
from advice.validators import NoControlCharacters, strip_text

SCOPE_LABELS = {
    "intake": _l("Skicka in frågor (POST /api/v1/cases)"),
    "stats": _l("Läsa statistik (GET /api/v1/stats)"),
}


def _name_field(label: object, missing: object, description: object) -> StringField:
    """The name a key or token is known by in lists and in the audit log."""
    return StringField(
        label,
        filters=[strip_text],
        validators=[
            DataRequired(missing),
            Length(max=120, message=_l("Namnet får vara högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
        description=description,
    )


class IntegrationKeyForm(Form):
    name = _name_field(
        _l("Namn"),
        _l("Skriv vem som använder nyckeln, till exempel kommunens e-tjänst."),
        _l("Vem använder nyckeln? Till exempel ”Nacka kommun, e-tjänst energifrågor”."),
    )
    scopes = MultiCheckboxField(
        _l("Vad får nyckeln användas till?"),
        choices=list(SCOPE_LABELS.items()),
        validators=[DataRequired(_l("Välj minst en behörighet."))],
    )


class PersonalTokenForm(Form):
    name = _name_field(
        _l("Vad ska nyckeln användas till?"),
        _l("Skriv vad nyckeln ska användas till."),
        _l("Till exempel ”Kööversikt i Teams”."),
    )
    days = RadioField(
        _l("Giltig i"),
        choices=[("30", _l("30 dagar")), ("90", _l("90 dagar"))],
        default="30",
        validators=[InputRequired()],
    )
