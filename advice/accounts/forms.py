from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from advice.forms import Form


class LoginForm(Form):
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


class AccountSettingsForm(Form):
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


def _code_field(label: object, *, digits_only: bool) -> StringField:
    return StringField(
        label,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Ange koden.")), Length(max=40)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric" if digits_only else "text",
            "spellcheck": "false",
            "autocapitalize": "off",
        },
    )


class SignInCodeForm(Form):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = _code_field(_l("Kod"), digits_only=False)


class EnrolTotpForm(Form):
    code = _code_field(_l("Koden som appen visar"), digits_only=True)


class DisableTotpForm(Form):
    password = PasswordField(
        _l("Ditt lösenord"),
        validators=[DataRequired(_l("Ange ditt lösenord.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code_field(_l("Kod från appen eller en reservkod"), digits_only=False)


class RenewRecoveryCodesForm(Form):
    code = _code_field(_l("Kod från appen"), digits_only=False)
