from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from advice.cases.contacts import ContactDetails
from advice.cases.services import NewCase
from advice.forms import Form
from advice.taxonomy.choices import municipality_choices, term_choices
from advice.taxonomy.models import RequesterType, Topic
from advice.validators import NoControlCharacters, PhoneNumber, PlausibleYear, strip_text

QUESTION_MAX_CHARS = 10_000

PROPERTY_TYPE_LABELS = {
    "detached": _l("Villa"),
    "terraced": _l("Radhus eller parhus"),
    "flat": _l("Lägenhet"),
    "multi_dwelling": _l("Flerbostadshus"),
    "holiday_home": _l("Fritidshus"),
    "commercial": _l("Lokal eller verksamhet"),
    "other": _l("Annat"),
}

HEATING_SYSTEM_LABELS = {
    "district_heating": _l("Fjärrvärme"),
    "ground_source_heat_pump": _l("Bergvärme eller jordvärme"),
    "air_water_heat_pump": _l("Luft/vatten-värmepump"),
    "exhaust_air_heat_pump": _l("Frånluftsvärmepump"),
    "air_air_heat_pump": _l("Luft/luft-värmepump"),
    "direct_electric": _l("Direktverkande el"),
    "electric_boiler": _l("Elpanna (vattenburen)"),
    "pellets_wood": _l("Pellets eller ved"),
    "oil": _l("Olja"),
    "gas": _l("Gas"),
    "other": _l("Annat eller vet inte"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_choice(labels: dict[str, object]) -> list[tuple[str, object]]:
    return [("", _l("Välj (frivilligt)")), *labels.items()]


class AskForm(Form):
    """The public question form; choices from the database are set by the view."""

    municipality = SelectField(
        _l("Kommun"),
        validators=[InputRequired(_l("Välj den kommun frågan gäller."))],
        description=_l("Frågan går till energi- och klimatrådgivningen i kommunen."),
    )
    requester_type = RadioField(
        _l("Jag frågar som"),
        validators=[InputRequired(_l("Välj vem du frågar som."))],
    )
    topics = MultiCheckboxField(
        _l("Vad gäller frågan?"),
        validators=[DataRequired(_l("Välj minst ett ämne."))],
        description=_l("Välj ett eller flera ämnen."),
    )
    question = TextAreaField(
        _l("Din fråga"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv din fråga.")),
            Length(
                max=QUESTION_MAX_CHARS,
                message=_l("Frågan får vara högst %(max)d tecken lång."),
            ),
            NoControlCharacters(),
        ],
        description=_l(
            "Beskriv gärna huset eller lägenheten och vad du redan har gjort. "
            "Skriv inte personnummer eller känsliga uppgifter."
        ),
        render_kw={"rows": 8},
    )
    property_type = SelectField(
        _l("Typ av byggnad"),
        choices=_optional_choice(PROPERTY_TYPE_LABELS),
        validators=[Optional()],
    )
    year_built = IntegerField(
        _l("Byggår"),
        validators=[
            Optional(),
            PlausibleYear(),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    heated_area_m2 = IntegerField(
        _l("Uppvärmd yta (m²)"),
        validators=[
            Optional(),
            NumberRange(min=5, max=100_000, message=_l("Ange ytan i hela kvadratmeter.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    heating_system = SelectField(
        _l("Nuvarande uppvärmning"),
        choices=_optional_choice(HEATING_SYSTEM_LABELS),
        validators=[Optional()],
    )
    name = StringField(
        _l("Namn"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv ditt namn.")),
            Length(max=200, message=_l("Namnet får vara högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-postadress"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv din e-postadress, så att vi kan svara dig.")),
            Length(max=254),
            Email(_l("Skriv e-postadressen i formen namn@exempel.se."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        _l("Telefon (frivilligt)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=40), PhoneNumber()],
        render_kw={"autocomplete": "tel"},
    )
    language = RadioField(
        _l("Vilket språk vill du ha svaret på?"),
        choices=[("sv", "Svenska"), ("en", "English")],
        default="sv",
        validators=[InputRequired()],
    )
    attachments = MultipleFileField(
        _l("Bilagor (frivilligt)"),
        description=_l(
            "Högst 5 filer, 10 MB per fil: foton (JPEG, PNG, HEIC) eller PDF, "
            "till exempel en elräkning eller energideklaration."
        ),
        render_kw={"accept": ".jpg,.jpeg,.png,.heic,.heif,.pdf,image/*,application/pdf"},
    )
    consent = BooleanField(
        _l("Jag har läst hur mina personuppgifter behandlas och godkänner det."),
        validators=[
            DataRequired(_l("Du behöver godkänna behandlingen för att vi ska kunna svara."))
        ],
    )
    # A field people never see; bots fill in every field they find.
    website = StringField(
        _l("Lämna det här fältet tomt"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    submission = HiddenField()

    def set_choices(self, language: str) -> None:
        """Municipalities, requester types and topics as they are in the database now."""
        self.municipality.choices = [("", _l("Välj kommun")), *municipality_choices()]
        self.requester_type.choices = term_choices(RequesterType, language)
        self.topics.choices = term_choices(Topic, language)

    def new_case(self, *, channel_code: str, consent_notice_version: str) -> NewCase:
        """The case a valid form describes."""
        language = self.language.data or "sv"
        return NewCase(
            question=self.question.data or "",
            channel_code=channel_code,
            municipality_id=int(self.municipality.data),
            requester_type_id=int(self.requester_type.data),
            topic_ids=[int(topic) for topic in self.topics.data or []],
            contact=ContactDetails(
                name=self.name.data,
                email=self.email.data,
                phone=self.phone.data or None,
                language=language,
            ),
            language=language,
            property_type=self.property_type.data or None,
            year_built=self.year_built.data,
            heated_area_m2=self.heated_area_m2.data,
            heating_system=self.heating_system.data or None,
            consent_notice_version=consent_notice_version,
        )
