from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from advice.forms import Form
from advice.intake.forms import MultiCheckboxField
from advice.validators import NoControlCharacters, strip_text

ROLE_LABELS = {
    "adviser": _l("Rådgivare"),
    "coordinator": _l("Processledare"),
    "admin": _l("Administratör"),
}
KIND_LABELS = {
    "topics": _l("Ämnen"),
    "requester_types": _l("Typer av frågeställare"),
    "channels": _l("Kanaler"),
}


def _text(label: object, required: object | None = None, maximum: int = 200) -> StringField:
    validators = [DataRequired(required)] if required else [Optional()]
    return StringField(
        label,
        filters=[strip_text],
        validators=[*validators, Length(max=maximum), NoControlCharacters()],
    )


class UserForm(Form):
    name = _text(_l("Namn"), _l("Ange ett namn."))
    roles = MultiCheckboxField(_l("Roller"), choices=list(ROLE_LABELS.items()))
    offices = MultiCheckboxField(_l("Kontor"), coerce=int)
    language = RadioField(
        _l("Språk"),
        choices=[("sv", "Svenska"), ("en", "English")],
        default="sv",
        validators=[InputRequired()],
    )


class InviteForm(UserForm):
    email = EmailField(
        _l("E-postadress"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Ange en e-postadress.")),
            Length(max=254),
            Email(_l("Ange en giltig e-postadress."), check_deliverability=False),
        ],
    )


class SetPasswordForm(Form):
    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[
            DataRequired(_l("Ange ett lösenord.")),
            Length(min=12, max=1024, message=_l("Lösenordet behöver minst 12 tecken.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Upprepa lösenordet"),
        validators=[EqualTo("password", message=_l("Lösenorden är inte lika."))],
        render_kw={"autocomplete": "new-password"},
    )


class OfficeForm(Form):
    name = _text(_l("Namn"), _l("Ange kontorets namn."))
    email = EmailField(
        _l("E-postadress (frivilligt)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
    )
    phone = _text(_l("Telefon (frivilligt)"), maximum=40)
    address = _text(_l("Adress (frivilligt)"), maximum=300)
    website = _text(_l("Webbplats (frivilligt)"), maximum=300)
    active = BooleanField(_l("Kontoret tar emot ärenden"), default=True)


class NewOfficeForm(OfficeForm):
    code = _text(_l("Kod"), _l("Ange en kod."), maximum=40)


class TermForm(Form):
    label_sv = _text(_l("Namn på svenska"), _l("Ange namnet på svenska."), maximum=150)
    label_en = _text(_l("Namn på engelska"), _l("Ange namnet på engelska."), maximum=150)


class NewTermForm(TermForm):
    code = _text(_l("Kod"), _l("Ange en kod."), maximum=40)


class SettingsForm(Form):
    sla_working_days = IntegerField(
        _l("Svarstid i arbetsdagar"),
        validators=[
            InputRequired(_l("Ange ett antal dagar.")),
            NumberRange(min=1, max=60, message=_l("Ange 1 till 60 dagar.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    retention_months = IntegerField(
        _l("Gallring: månader efter att ärendet stängts"),
        validators=[
            InputRequired(_l("Ange ett antal månader.")),
            NumberRange(min=1, max=1200, message=_l("Ange 1 till 1200 månader.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    stats_min_cell_size = IntegerField(
        _l("Minsta antal som visas i statistikfiler"),
        validators=[
            InputRequired(_l("Ange ett tal.")),
            NumberRange(min=0, max=1000, message=_l("Ange 0 till 1000.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    accessibility_statement = TextAreaField(
        _l("Tillgänglighetsredogörelse"),
        filters=[strip_text],
        validators=[Optional(), Length(max=20_000), NoControlCharacters()],
        render_kw={"rows": 12},
    )


class SecuritySettingsForm(Form):
    totp_required_roles = MultiCheckboxField(
        _l("Tvåstegsverifiering krävs för"), choices=list(ROLE_LABELS.items())
    )
    audit_retention_months = IntegerField(
        _l("Granskningsloggen sparas i månader"),
        validators=[
            InputRequired(_l("Ange ett antal månader.")),
            NumberRange(min=1, max=1200, message=_l("Ange 1 till 1200 månader.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
