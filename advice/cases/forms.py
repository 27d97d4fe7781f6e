from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from advice.forms import Form
from advice.intake.forms import QUESTION_MAX_CHARS, MultiCheckboxField
from advice.validators import NoControlCharacters, PhoneNumber, strip_text

STATUS_LABELS = {
    "new": _l("Ny"),
    "assigned": _l("Tilldelad"),
    "in_progress": _l("Pågående"),
    "waiting": _l("Väntar på frågeställaren"),
    "resolved": _l("Löst"),
    "closed": _l("Stängd"),
}
# The timeline's entry kinds, as the case page, the tracking page and the PDFs name them
# (templates: ``entry_kind_labels``; the public view says "Svar från rådgivaren").
ENTRY_KIND_LABELS = {
    "citizen_message": _l("Meddelande från frågeställaren"),
    "reply": _l("Svar till frågeställaren"),
    "note": _l("Intern anteckning"),
    "call": _l("Telefonsamtal"),
    "visit": _l("Besök"),
    "status_change": _l("Status ändrad"),
    "assignment": _l("Tilldelning"),
    "transfer": _l("Överlämnat till annat kontor"),
    "attachment": _l("Bilaga"),
    "pdf_sent": _l("Sammanfattning skickad"),
    "article_link": _l("Artikel länkad"),
    "erasure_request": _l("Begäran om radering"),
    "erasure_decision": _l("Beslut om radering"),
    "satisfaction": _l("Nöjdhet"),
}


def _text(label: object, required_message: object, rows: int = 5) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip_text],
        validators=[
            DataRequired(required_message),
            Length(max=QUESTION_MAX_CHARS, message=_l("Högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
        render_kw={"rows": rows},
    )


def _minutes(label: object = None) -> IntegerField:
    return IntegerField(
        label or _l("Tid (minuter)"),
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=24 * 60, message=_l("Ange minuter mellan 0 och 1440.")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class ReplyForm(Form):
    body = _text(_l("Svar till frågeställaren"), _l("Skriv ett svar."), rows=10)
    minutes = _minutes()
    status_after = SelectField(
        _l("Status efter svaret"),
        choices=[
            ("in_progress", STATUS_LABELS["in_progress"]),
            ("waiting", STATUS_LABELS["waiting"]),
            ("resolved", STATUS_LABELS["resolved"]),
        ],
        default="resolved",
    )


class NoteForm(Form):
    body = _text(_l("Intern anteckning"), _l("Skriv en anteckning."), rows=4)
    minutes = _minutes()


class LogContactForm(Form):
    kind = RadioField(
        _l("Typ av kontakt"),
        choices=[("call", _l("Telefonsamtal")), ("visit", _l("Besök"))],
        default="call",
        validators=[InputRequired()],
    )
    body = _text(_l("Vad togs upp?"), _l("Beskriv samtalet eller besöket."), rows=4)
    minutes = _minutes()


class StatusForm(Form):
    status = SelectField(_l("Ny status"), choices=list(STATUS_LABELS.items()))


class TransferForm(Form):
    office = SelectField(_l("Till kontor"), validators=[InputRequired()])
    reason = _text(_l("Skäl"), _l("Skriv varför ärendet lämnas över."), rows=3)


class AssignForm(Form):
    assignee = SelectField(_l("Handläggare"), validators=[InputRequired()])


class StaffAttachmentForm(Form):
    files = MultipleFileField(_l("Lägg till bilagor"))


class ErasureRequestForm(Form):
    """An erasure request the requester made by phone, letter or at the office."""

    reason = TextAreaField(
        _l("Vad sa frågeställaren? (frivilligt)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=2000), NoControlCharacters()],
        render_kw={"rows": 3},
    )


class ErasureDecisionForm(Form):
    decision = RadioField(
        _l("Beslut"),
        choices=[
            ("anonymise", _l("Radera nu: anonymisera ärendet")),
            ("refuse", _l("Avslå: uppgifterna måste sparas")),
        ],
        validators=[InputRequired(_l("Välj ett beslut."))],
    )
    no_rule_requires_keeping = BooleanField(
        _l("Ingen regel om arkivering eller gallring kräver att uppgifterna sparas")
    )
    reason = TextAreaField(
        _l("Skäl för avslag"),
        filters=[strip_text],
        validators=[Optional(), Length(max=2000), NoControlCharacters()],
        render_kw={"rows": 4},
    )

    def validate(self, extra_validators: object = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        if self.decision.data == "anonymise" and not self.no_rule_requires_keeping.data:
            self.no_rule_requires_keeping.errors = [
                _l("Bekräfta att ingen regel kräver att uppgifterna sparas.")
            ]
            valid = False
        if self.decision.data == "refuse" and not self.reason.data:
            self.reason.errors = [_l("Skriv skälet. Frågeställaren får läsa det.")]
            valid = False
        return valid


class NewContactForm(Form):
    """A phone call, visit or event contact logged as a case in a few fields."""

    channel = SelectField(_l("Kanal"), validators=[InputRequired()])
    office = SelectField(_l("Kontor"), validators=[InputRequired()])
    municipality = SelectField(_l("Kommun"), validators=[Optional()])
    requester_type = SelectField(_l("Frågeställare"), validators=[Optional()])
    topics = MultiCheckboxField(_l("Ämnen"), validators=[DataRequired(_l("Välj minst ett ämne."))])
    question = _text(_l("Frågan"), _l("Beskriv frågan kort."), rows=4)
    advice_given = TextAreaField(
        _l("Rådet som gavs (frivilligt)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=QUESTION_MAX_CHARS), NoControlCharacters()],
        render_kw={"rows": 4},
    )
    minutes = _minutes()
    anonymous = BooleanField(_l("Anonym kontakt (inga personuppgifter sparas)"))
    name = StringField(
        _l("Namn"),
        filters=[strip_text],
        validators=[Optional(), Length(max=200), NoControlCharacters()],
    )
    email = EmailField(
        _l("E-postadress"),
        filters=[strip_text],
        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
    )
    phone = TelField(
        _l("Telefon"), filters=[strip_text], validators=[Optional(), Length(max=40), PhoneNumber()]
    )
    resolved = BooleanField(_l("Ärendet är löst i och med kontakten"), default=True)
