from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField
from wtforms.validators import DataRequired, InputRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Ange din e-postadress.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Ange ditt lösenord.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class AccountSettingsForm(FlaskForm):
    language = RadioField(
        _l("Språk"), choices=[("sv", "Svenska"), ("en", "English")], validators=[InputRequired()]
    )
    notify = RadioField(
        _l("E-post om nya ärenden på mina kontor"),
        choices=[
            ("each", _l("Ett meddelande för varje nytt ärende")),
            ("daily", _l("En sammanfattning per dag")),
            ("none", _l("Inga meddelanden")),
        ],
        validators=[InputRequired()],
    )
