from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from advice.forms import Form
from advice.validators import strip_text


class ContactLookupForm(Form):
    email = EmailField(
        _l("Frågeställarens e-postadress"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Ange en e-postadress.")),
            Length(max=254),
            Email(_l("Ange en giltig e-postadress."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
