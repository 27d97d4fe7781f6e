from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from advice.forms import Form
from advice.intake.forms import MultiCheckboxField
from advice.validators import NoControlCharacters, strip_text

SCOPE_LABELS = {
    "intake": _l("Skicka in frågor (POST /api/v1/cases)"),
    "stats": _l("Läsa statistik (GET /api/v1/stats)"),
}


class IntegrationKeyForm(Form):
    name = StringField(
        _l("Namn"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv vem som använder nyckeln, till exempel kommunens e-tjänst.")),
            Length(max=120, message=_l("Namnet får vara högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
        description=_l("Vem använder nyckeln? Till exempel ”Nacka kommun, e-tjänst energifrågor”."),
    )
    scopes = MultiCheckboxField(
        _l("Vad får nyckeln användas till?"),
        choices=list(SCOPE_LABELS.items()),
        validators=[DataRequired(_l("Välj minst en behörighet."))],
    )
