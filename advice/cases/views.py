from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from advice.accounts.models import User
from advice.accounts.services import adviser_choices
from advice.attachments.services import (
    StoredFiles,
    UploadRefused,
    attachment_response,
    check_uploads,
    store_attachment,
)
from advice.audit import services as audit
from advice.cases import bp
from advice.cases.access import get_case_or_404
from advice.cases.contacts import ContactDetails
from advice.cases.forms import (
    STATUS_LABELS,
    AssignForm,
    ErasureDecisionForm,
    ErasureRequestForm,
    LogContactForm,
    NewContactForm,
    NoteForm,
    ReplyForm,
    StaffAttachmentForm,
    StatusForm,
    TransferForm,
)
from advice.cases.models import Attachment, Case
from advice.cases.queries import (
    QueueFilter,
    case_with_timeline,
    other_cases_of_contact,
    pending_erasure_count,
    queue_page,
    sla_state,
)
from advice.cases.search import search_cases
from advice.cases.services import (
    CaseError,
    NewCase,
    add_note,
    assign,
    change_status,
    claim,
    create_case,
    log_contact,
    mint_tracking_token,
    reply_to_requester,
    request_erasure,
    transfer,
)
from advice.extensions import db
from advice.i18n import current_language, safe_next
from advice.intake.forms import HEATING_SYSTEM_LABELS, PROPERTY_TYPE_LABELS
from advice.mail.notifications import (
    mail_case_resolved,
    mail_erasure_refused,
    mail_reply,
    notify_transferred,
)
from advice.mail.services import deliver_after_request
from advice.privacy.services import (
    ErasureError,
    grant_erasure,
    latest_erasure_decision,
    refuse_erasure,
    retention_months_for,
)
from advice.regions.models import Municipality, Office
from advice.security import can_act_for_office, role_required
from advice.taxonomy.choices import municipality_choices, office_choices, term_choices
from advice.taxonomy.models import Channel, RequesterType, Topic

adviser_only = role_required("adviser")


@bp.get("/queue")
@adviser_only
def queue() -> str | Response:
    queue_filter = QueueFilter.from_args(request.args)
    found = None
    if queue_filter.q:
        found = search_cases(current_user, queue_filter)
        if found.jump_to is not None:
            db.session.commit()  # the search's audit event
            return redirect(url_for("cases.case_page", reference=found.jump_to))
        page = None
    else:
        page = queue_page(current_user, queue_filter)
    language = current_language()
    my_offices = [(str(office.id), office.name) for office in current_user.offices]
    html = render_template(
        "cases/search.html" if found is not None else "cases/queue.html",
        found=found,
        page=page,
        queue_filter=queue_filter,
        sla_state=sla_state,
        status_labels=STATUS_LABELS,
        offices=my_offices,
        municipalities=municipality_choices(),
        topics=term_choices(Topic, language),
        requester_types=term_choices(RequesterType, language),
        colleagues=adviser_choices(current_user.office_ids),
        pending_erasures=pending_erasure_count(current_user),
    )
    if found is not None:
        # The search's audit event; after rendering, so the hits were not expired by it.
        db.session.commit()
    return html


def _case_page(case: Case, status: int = 200, **forms: Any) -> tuple[str, int]:
    case = case_with_timeline(case.id)
    transfer_form = forms.get("transfer_form") or TransferForm(prefix="transfer")
    transfer_form.office.choices = [
        choice for choice in office_choices() if choice[0] != str(case.office_id)
    ]
    assign_form = forms.get("assign_form") or AssignForm(prefix="assign")
    assign_form.assignee.choices = adviser_choices([case.office_id])
    status_form = forms.get("status_form") or StatusForm(prefix="status", status=case.status)
    return (
        render_template(
            "cases/case.html",
            case=case,
            sla=sla_state(case),
            status_labels=STATUS_LABELS,
            property_labels=PROPERTY_TYPE_LABELS,
            heating_labels=HEATING_SYSTEM_LABELS,
            other_cases=other_cases_of_contact(case, current_user),
            reply_form=forms.get("reply_form") or ReplyForm(prefix="reply"),
            note_form=forms.get("note_form") or NoteForm(prefix="note"),
            contact_form=forms.get("contact_form") or LogContactForm(prefix="contact"),
            status_form=status_form,
            transfer_form=transfer_form,
            assign_form=assign_form,
            attachment_form=forms.get("attachment_form") or StaffAttachmentForm(prefix="files"),
            erasure_request_form=forms.get("erasure_request_form")
            or ErasureRequestForm(prefix="erasure"),
            erasure_decision_form=forms.get("erasure_decision_form")
            or ErasureDecisionForm(prefix="decision"),
            erasure_decision=latest_erasure_decision(case),
            may_decide_erasure=can_act_for_office(current_user, case.office_id),
            retention_months=retention_months_for(case),
        ),
        status,
    )


def _mail_resolution(case: Case, was_status: str, token: str) -> None:
    """When a case has just been resolved, ask the requester how satisfied they are."""
    if case.status != "resolved" or was_status in ("resolved", "closed"):
        return
    satisfaction_urls = {
        score: url_for("tracking.satisfaction", token=token, score=score, _external=True)
        for score in range(1, 6)
    }
    mail_case_resolved(
        case, url_for("tracking.track", token=token, _external=True), satisfaction_urls
    )


def _back_to(case: Case, anchor: str = "timeline") -> Response:
    return redirect(url_for("cases.case_page", reference=case.reference) + f"#{anchor}")


@bp.get("/cases/<reference>")
@adviser_only
def case_page(reference: str) -> tuple[str, int]:
    case = get_case_or_404(reference)
    audit.record("case.viewed", obj=case, case_id=case.id)
    # Render first, then commit: a commit before would expire the case and the signed-in
    # user, and the page would load both again.
    page = _case_page(case)
    db.session.commit()
    return page


@bp.post("/cases/<reference>/claim")
@adviser_only
def claim_case(reference: str) -> Response:
    case = get_case_or_404(reference)
    result = claim(case, current_user)
    db.session.commit()
    if result.won:
        flash(_("Du har tagit ärendet %(reference)s.", reference=case.reference), "success")
        return _back_to(case)
    holder = result.holder.name if result.holder else _("någon annan")
    flash(
        _("%(reference)s har redan tagits av %(name)s.", reference=case.reference, name=holder),
        "error",
    )
    return redirect(safe_next(request.form.get("return_to"), url_for("cases.queue")))


@bp.post("/cases/<reference>/assign")
@adviser_only
def assign_case(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = AssignForm(prefix="assign")
    form.assignee.choices = adviser_choices([case.office_id])
    if not form.validate_on_submit():
        return _case_page(case, 400, assign_form=form)
    assignee = db.session.get(User, int(form.assignee.data))
    if assignee is None:
        abort(400)
    assign(case, assignee, current_user)
    db.session.commit()
    flash(_("Ärendet är tilldelat %(name)s.", name=assignee.name), "success")
    return _back_to(case)


@bp.post("/cases/<reference>/reply")
@adviser_only
def reply(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = ReplyForm(prefix="reply")
    if not form.validate_on_submit():
        return _case_page(case, 400, reply_form=form)
    was_status = case.status
    entry = reply_to_requester(
        case, current_user, form.body.data or "", form.minutes.data or 0, form.status_after.data
    )
    emailed = False
    if case.contact is not None and case.contact.email:
        token = mint_tracking_token(case)
        tracking_url = url_for("tracking.track", token=token, _external=True)
        mail_reply(case, entry.body or "", tracking_url, adviser_name=current_user.name)
        _mail_resolution(case, was_status, token)
        emailed = True
    db.session.commit()
    deliver_after_request()
    flash(
        _("Svaret är skickat till frågeställaren.")
        if emailed
        else _("Svaret är sparat. Frågeställaren har ingen e-postadress: ring eller skriv."),
        "success",
    )
    return _back_to(case)


@bp.post("/cases/<reference>/note")
@adviser_only
def note(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _case_page(case, 400, note_form=form)
    add_note(case, current_user, form.body.data or "", form.minutes.data or 0)
    db.session.commit()
    flash(_("Anteckningen är sparad."), "success")
    return _back_to(case)


@bp.post("/cases/<reference>/contact")
@adviser_only
def log_call(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = LogContactForm(prefix="contact")
    if not form.validate_on_submit():
        return _case_page(case, 400, contact_form=form)
    log_contact(case, current_user, form.kind.data, form.body.data or "", form.minutes.data or 0)
    db.session.commit()
    flash(_("Kontakten är loggad."), "success")
    return _back_to(case)


@bp.post("/cases/<reference>/status")
@adviser_only
def set_status(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = StatusForm(prefix="status")
    if not form.validate_on_submit():
        return _case_page(case, 400, status_form=form)
    was_status = case.status
    change_status(case, current_user, form.status.data)
    if case.contact is not None and case.contact.email and case.status == "resolved":
        _mail_resolution(case, was_status, mint_tracking_token(case))
    db.session.commit()
    deliver_after_request()
    flash(_("Status: %(status)s.", status=STATUS_LABELS[form.status.data]), "success")
    return _back_to(case)


@bp.post("/cases/<reference>/transfer")
@adviser_only
def transfer_case(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = TransferForm(prefix="transfer")
    form.office.choices = [c for c in office_choices() if c[0] != str(case.office_id)]
    if not form.validate_on_submit():
        return _case_page(case, 400, transfer_form=form)
    to_office = db.session.get(Office, int(form.office.data))
    if to_office is None:
        abort(400)
    from_office = case.office
    try:
        transfer(case, current_user, to_office, form.reason.data or "")
    except CaseError:
        abort(400)
    notify_transferred(case, from_office)
    db.session.commit()
    deliver_after_request()
    flash(_("Ärendet är överlämnat till %(office)s.", office=to_office.name), "success")
    if not case.assignee_id and to_office.id not in current_user.office_ids:
        return redirect(url_for("cases.queue"))
    return _back_to(case)


@bp.post("/cases/<reference>/attachments")
@adviser_only
def upload(reference: str) -> Response | tuple[str, int]:
    case = get_case_or_404(reference)
    form = StaffAttachmentForm(prefix="files")
    if not form.validate_on_submit():
        return _case_page(case, 400, attachment_form=form)
    try:
        uploads = check_uploads(request.files.getlist(form.files.name))
    except UploadRefused as refusal:
        form.files.errors = [str(refusal)]
        return _case_page(case, 400, attachment_form=form)
    written = StoredFiles()
    try:
        for item in uploads:
            store_attachment(case, item, written, uploaded_by_id=current_user.id)
        case.version += 1
        audit.record("case.attachments_added", obj=case, case_id=case.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        written.discard()
        raise
    flash(_("Bilagorna är sparade."), "success")
    return _back_to(case, "attachments")


@bp.get("/cases/<reference>/attachments/<int:attachment_id>")
@adviser_only
def attachment(reference: str, attachment_id: int) -> Response:
    case = get_case_or_404(reference)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    audit.record("attachment.downloaded", obj=item, case_id=case.id)
    db.session.commit()
    return attachment_response(item)


@bp.post("/cases/<reference>/erasure")
@adviser_only
def register_erasure(reference: str) -> Response | tuple[str, int]:
    """Register an erasure request the requester made outside the tracking page."""
    case = get_case_or_404(reference)
    form = ErasureRequestForm(prefix="erasure")
    if case.anonymised_at is not None or case.erasure_requested_at is not None:
        return _back_to(case, "erasure")
    if not form.validate_on_submit():
        return _case_page(case, 400, erasure_request_form=form)
    request_erasure(case, form.reason.data, by=current_user)
    db.session.commit()
    flash(_("Begäran om radering är registrerad och väntar på beslut."), "success")
    return _back_to(case, "erasure")


@bp.post("/cases/<reference>/erasure/decision")
@adviser_only
def decide_erasure(reference: str) -> Response | tuple[str, int]:
    """An adviser of the office holding the case anonymises now or refuses, with a reason
    that the requester is emailed and reads on the tracking page."""
    case = get_case_or_404(reference)
    if not can_act_for_office(current_user, case.office_id):
        abort(403)
    form = ErasureDecisionForm(prefix="decision")
    if case.erasure_requested_at is None or case.anonymised_at is not None:
        flash(_("Ingen begäran om radering väntar på beslut i ärendet."), "error")
        return _back_to(case, "erasure")
    if not form.validate_on_submit():
        return _case_page(case, 400, erasure_decision_form=form)
    emailed = False
    try:
        if form.decision.data == "anonymise":
            grant_erasure(case, current_user)
        else:
            refuse_erasure(case, current_user, form.reason.data or "")
            if case.contact is not None and case.contact.email:
                tracking_url = url_for(
                    "tracking.track", token=mint_tracking_token(case), _external=True
                )
                message = mail_erasure_refused(case, form.reason.data or "", tracking_url)
                emailed = message is not None
    except ErasureError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    deliver_after_request()
    if form.decision.data == "anonymise":
        flash(
            _(
                "Personuppgifterna i %(reference)s är raderade. Ärendet finns kvar utan "
                "dem för statistiken.",
                reference=case.reference,
            ),
            "success",
        )
    elif emailed:
        flash(_("Begäran om radering är avslagen och frågeställaren har fått skälet."), "success")
    else:
        flash(
            _(
                "Begäran om radering är avslagen. Frågeställaren har ingen e-postadress: "
                "meddela beslutet och skälet på annat sätt."
            ),
            "success",
        )
    return _back_to(case, "erasure")


@bp.route("/cases/new", methods=["GET", "POST"])
@adviser_only
def new_contact() -> Response | tuple[str, int]:
    form = NewContactForm()
    language = current_language()
    form.channel.choices = [
        choice for choice in term_choices(Channel, language) if choice[0] != str(_web_channel_id())
    ]
    form.office.choices = [(str(office.id), office.name) for office in current_user.offices]
    form.municipality.choices = [("", _("Okänd")), *municipality_choices()]
    form.requester_type.choices = [("", _("Okänd")), *term_choices(RequesterType, language)]
    form.topics.choices = term_choices(Topic, language)
    if request.method == "GET":
        return render_template("cases/new_contact.html", form=form), 200
    if not form.validate_on_submit():
        return render_template("cases/new_contact.html", form=form), 400
    office_id = int(form.office.data)
    municipality_id = int(form.municipality.data) if form.municipality.data else None
    if municipality_id is not None:
        municipality = db.session.get(Municipality, municipality_id)
        if municipality is not None and municipality.office_id in current_user.office_ids:
            office_id = municipality.office_id
    channel = db.session.get(Channel, int(form.channel.data))
    contact = None
    if not form.anonymous.data:
        contact = ContactDetails(form.name.data, form.email.data, form.phone.data, language)
    created = create_case(
        NewCase(
            question=form.question.data or "",
            channel_code=channel.code if channel else "phone",
            municipality_id=municipality_id,
            office_id=office_id,
            requester_type_id=int(form.requester_type.data) if form.requester_type.data else None,
            topic_ids=[int(topic) for topic in form.topics.data or []],
            contact=contact if contact and not contact.is_empty else None,
            language=language,
            created_by_id=current_user.id,
            assignee_id=current_user.id,
        )
    )
    case = created.case
    kind = (
        "visit" if channel and channel.code in ("office_visit", "home_visit", "event") else "call"
    )
    if form.advice_given.data:
        log_contact(case, current_user, kind, form.advice_given.data, form.minutes.data or 0)
    else:
        case.minutes_spent += form.minutes.data or 0
    change_status(case, current_user, "resolved" if form.resolved.data else "in_progress")
    db.session.commit()
    flash(_("Kontakten är registrerad som %(reference)s.", reference=case.reference), "success")
    return redirect(url_for("cases.case_page", reference=case.reference))


def _web_channel_id() -> int | None:
    return db.session.scalar(select(Channel.id).where(Channel.code == "web"))
