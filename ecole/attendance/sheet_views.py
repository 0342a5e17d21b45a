"""Sign-in sheets for a session's staff: printed per meeting or per session, and their signed scans
uploaded back, filed by their QR codes (or by the trainer's choice), and served to staff only."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.attendance import scans
from ecole.attendance.models import ScanPage, SheetScan
from ecole.attendance.scan_forms import ChooseMeetingForm, ScanUploadForm
from ecole.attendance.sheets import meeting_sheet_pdf, session_sheet_pdf
from ecole.core.access import staff_required
from ecole.core.pages import download, found, pdf_response
from ecole.core.storage import discard
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting
from ecole.sessions.pages import managed_meeting, managed_session

sheets = Blueprint("sheets", __name__)




@sheets.route("/meetings/<int:meeting_id>/sign-in-sheet.pdf")
@staff_required
def meeting_sheet(meeting_id: int):
    meeting = managed_meeting(meeting_id)
    return pdf_response(meeting_sheet_pdf(meeting), f"sign-in-sheet-meeting-{meeting.id}")


@sheets.route("/sessions/<int:session_id>/sign-in-sheet.pdf")
@staff_required
def session_sheet(session_id: int):
    course_session = managed_session(session_id)
    return pdf_response(session_sheet_pdf(course_session), f"sign-in-sheet-session-{course_session.id}")


def _scans_page(course_session: CourseSession, form: ScanUploadForm, status: int = 200, *,
                failed: dict[int, ChooseMeetingForm] | None = None):
    """The scans page; `failed` holds a page's choice form that was refused, shown with its errors."""
    listed = scans.scans_of(course_session)
    choices = scans.meeting_choices(course_session)
    choose_forms = {page.id: ChooseMeetingForm.for_meetings(choices, prefix=f"page-{page.id}")
                    for scan in listed for page in scan.pages if page.filed_by == "unread"}
    choose_forms.update(failed or {})
    return render_template("attendance/scans.html", course_session=course_session, form=form, scans=listed,
                           choose_forms=choose_forms, max_megabytes=current_app.config["SCAN_MAX_BYTES"] // (1024 * 1024),
                           max_pages=current_app.config["SCAN_MAX_PAGES"]), status


@sheets.route("/sessions/<int:session_id>/scans", methods=["GET", "POST"])
@staff_required
def session_scans(session_id: int):
    course_session = managed_session(session_id)
    form = ScanUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            scan = scans.upload_scan(course_session, upload.filename or "", upload.stream, actor=current_user)
        except scans.ScanRefused as error:
            db.session.rollback()
            form.file.errors.append(str(error))
            return _scans_page(course_session, form, 422)
        keys = scans.file_keys(scan)
        unread = sum(1 for page in scan.pages if page.filed_by == "unread")
        count = len(scan.pages)
        try:
            db.session.commit()
        except BaseException:
            db.session.rollback()
            discard(keys)  # nothing of a failed upload stays behind
            raise
        flash(scans.upload_summary(count, unread), "success")
        return redirect(url_for("sheets.session_scans", session_id=course_session.id))
    return _scans_page(course_session, form, 422 if form.is_submitted() else 200)


@sheets.route("/scan-pages/<int:page_id>/meeting", methods=["POST"])
@staff_required
def choose_meeting(page_id: int):
    page = found(db.session.get(ScanPage, page_id))
    course_session = managed_session(page.scan.session_id)
    form = ChooseMeetingForm.for_meetings(scans.meeting_choices(course_session), prefix=f"page-{page.id}")
    if not form.validate_on_submit():
        return _scans_page(course_session, ScanUploadForm(formdata=None), 422, failed={page.id: form})
    meeting = found(db.session.get(Meeting, form.meeting.data))
    try:
        scans.file_page(page, meeting, actor=current_user)
    except scans.ScanRefused as error:
        db.session.rollback()
        form.meeting.errors.append(str(error))
        return _scans_page(course_session, ScanUploadForm(formdata=None), 422, failed={page.id: form})
    db.session.commit()
    flash(_("La page est classée sous la séance choisie."), "success")
    return redirect(url_for("sheets.session_scans", session_id=course_session.id))


def _private(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@sheets.route("/scan-pages/<int:page_id>")
@staff_required
def scan_page(page_id: int):
    page = found(db.session.get(ScanPage, page_id))
    managed_session(page.scan.session_id)
    data, content_type, name = scans.page_file(page)
    return _private(download(data, content_type, name))


@sheets.route("/scans/<int:scan_id>/original")
@staff_required
def scan_original(scan_id: int):
    scan = found(db.session.get(SheetScan, scan_id))
    managed_session(scan.session_id)
    data, content_type, name = scans.original_file(scan)
    return _private(download(data, content_type, name))
