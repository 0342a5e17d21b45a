"""The funders' report: a dashboard of the indicators with SVG charts and filters (staff; small cells
hidden for anyone but administrators), the names behind a figure (administrators), CSV tables, XLSX
and PDF exports made by a job with a progress bar, and the programmes' administration."""
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.core.access import admin_required, staff_required
from ecole.core.forms import form_status
from ecole.core.models import utcnow
from ecole.core.pages import download, found, save_form
from ecole.extensions import db
from ecole.i18n import current_language
from ecole.reports import charts, indicators, services
from ecole.reports.forms import TARGETABLE, ExportForm, FilterForm, ProgrammeForm
from ecole.reports.indicators import (
    DEFINITIONS,
    DIMENSION_TITLES,
    DIMENSIONS,
    INDICATOR_TITLES,
    INDICATORS,
    Filters,
)
from ecole.reports.models import Programme, ReportExport
from ecole.reports.services import ReportError

reports = Blueprint("reports", __name__)


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    # Kept on the form: the chosen programme is then found in the session's identity map, not read again.
    form.programme_list = indicators.programmes()
    form.programme.choices = [("", _("Toutes les sessions"))] + [
        (str(p.id), f"{p.code} — {p.title(current_language())}") for p in form.programme_list]
    form.commune.choices = [("", _("Toutes les communes"))] + [(c, c) for c in indicators.communes()]
    return form


def _filters(form: FilterForm) -> Filters:
    programme = db.session.get(Programme, int(form.programme.data)) if form.programme.data else None
    start, end = indicators.default_period(programme, date.today())
    return Filters(form.date_from.data or start, form.date_to.data or end,
                   programme.id if programme else None, form.commune.data or None, form.audience.data or None)


def _report(filters: Filters) -> indicators.Report:
    report = indicators.compute(filters)
    return report if current_user.is_admin else indicators.hide_small_cells(report)


def _checked_filters() -> tuple[FilterForm, Filters | None]:
    form = _filter_form()
    return form, (_filters(form) if form.validate() else None)


def _refused_filters(form: FilterForm, **context):
    """The dashboard with the filters' errors (a date that is not one, an unknown programme…), no figures."""
    return render_template("reports/dashboard.html", form=form, report=None, **context), 400


@reports.route("/reports")
@staff_required
def dashboard():
    form, filters = _checked_filters()
    if filters is None:
        return _refused_filters(form)
    report = _report(filters)
    form.date_from.data, form.date_to.data = filters.date_from, filters.date_to  # the period shown
    rtl = current_language() == "ar"
    progress = report.progress()
    progress_chart = charts.progress_chart(
        _("Avancement vers les objectifs du programme"),
        [(str(INDICATOR_TITLES[code]), percent) for code, _value, _target, percent in progress], rtl=rtl) if progress else None
    dimension_charts = {
        dimension: charts.bar_chart(_("Personnes formées — %(dimension)s", dimension=DIMENSION_TITLES[dimension]),
                                    [(row.label, row.trained) for row in report.tables[dimension]], rtl=rtl)
        for dimension in DIMENSIONS}
    return render_template("reports/dashboard.html", form=form, report=report, filters=filters,
                           args=filters.as_args(), progress=progress, progress_chart=progress_chart,
                           dimension_charts=dimension_charts, indicators=INDICATORS, titles=INDICATOR_TITLES,
                           dimensions=DIMENSIONS, dimension_titles=DIMENSION_TITLES, definitions=DEFINITIONS,
                           export_form=ExportForm())


@reports.route("/reports/people")
@admin_required
def people():
    """The names behind a figure: people trained or who completed, optionally in one row of a table."""
    form, filters = _checked_filters()
    if filters is None:
        return _refused_filters(form)
    indicator = request.args.get("indicator") if request.args.get("indicator") in ("trained", "completed") else "trained"
    dimension = request.args.get("dimension") if request.args.get("dimension") in DIMENSIONS else None
    value = (request.args.get("value") or "")[:120] if dimension else None
    report = indicators.compute(filters)
    chosen = report.people_for(indicator, dimension, value)
    label = None
    if dimension:
        label = next((row.label for row in report.tables[dimension] if row.value == value), value)
    return render_template("reports/people.html", people=chosen, indicator=indicator, dimension=dimension,
                           value=value, label=label, args=filters.as_args(), titles=INDICATOR_TITLES,
                           dimension_titles=DIMENSION_TITLES, report=report)


@reports.route("/reports/<any(summary, sex, age, commune, audience, disability, people):table>.csv")
@staff_required
def table_csv(table: str):
    from ecole.reports.exports import csv_table

    if table == "people" and not current_user.is_admin:
        abort(403)
    form, filters = _checked_filters()
    if filters is None:
        return _refused_filters(form)
    report = _report(filters)
    data = csv_table(report, table, current_language())
    if table == "people":
        services.record_export("reports", filters, "csv", lang=current_language(), with_names=True,
                               actor=current_user, table=table)
        db.session.commit()
    return download(data, "text/csv; charset=utf-8", f"rapport-{table}.csv")


@reports.route("/reports/exports", methods=["POST"])
@staff_required
def export():
    """An XLSX or PDF export, made by a job: the request only asks for it; the next page shows the progress.
    Administrators' workbooks hold the names (audited); everyone else's hide small cells."""
    form, filters = _checked_filters()
    export_form = ExportForm()
    if filters is None or not export_form.validate_on_submit():
        return _refused_filters(form, export_errors=export_form.errors)
    try:
        made = services.request_export(filters, export_form.format.data, current_language(),
                                       with_names=current_user.is_admin, actor=current_user)
    except ReportError as error:
        return _refused_filters(form, export_errors={"format": [str(error)]})
    db.session.commit()
    return redirect(url_for("reports.export_status", export_id=made.id))


def _own_export(export_id: int) -> ReportExport:
    made = found(db.session.get(ReportExport, export_id))
    if not current_user.is_admin and made.requested_by_id != current_user.id:
        abort(403)
    return made


@reports.route("/reports/exports/<int:export_id>")
@staff_required
def export_status(export_id: int):
    from ecole.jobs.models import Job

    made = _own_export(export_id)
    job = db.session.get(Job, made.job_id) if made.job_id else None
    running = not made.storage_key and job is not None and job.state not in ("failed", "dead")
    return render_template("reports/export.html", export=made, job=job, running=running,
                           args=Filters.from_json(made.filters).as_args())


@reports.route("/reports/exports/<int:export_id>/download")
@staff_required
def export_download(export_id: int):
    from ecole.core.storage import get_storage

    made = _own_export(export_id)
    if not made.storage_key:
        abort(404)
    kinds = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
    return download(get_storage().get(made.storage_key), kinds[made.format],
                    f"rapport-{made.requested_at:%Y%m%d}-{made.id}.{made.format}")


# --- programmes --------------------------------------------------------------------------------------

@reports.route("/admin/programmes")
@admin_required
def programmes():
    return render_template("reports/programmes.html", programmes=indicators.programmes())


def _session_choices(programme: Programme | None, form: ProgrammeForm) -> list[tuple[int, str]]:
    from ecole.reports.queries import session_choices

    return session_choices(programme, form.starts_on.data, form.ends_on.data, current_language())


def _programme_data(form: ProgrammeForm) -> dict:
    return {"code": form.code.data, "funder": form.funder.data, "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data,
            "titles": {"fr": form.title_fr.data or "", "ar": form.title_ar.data or "", "zgh": form.title_zgh.data or ""},
            "targets": {code: getattr(form, f"target_{code}").data for code in TARGETABLE}}


@reports.route("/admin/programmes/new", methods=["GET", "POST"])
@reports.route("/admin/programmes/<int:programme_id>", methods=["GET", "POST"])
@admin_required
def programme(programme_id: int | None = None):
    current = found(db.session.get(Programme, programme_id)) if programme_id is not None else None
    form = ProgrammeForm(obj=None)
    if current is not None and not form.is_submitted():
        form.code.data, form.funder.data = current.code, current.funder
        form.starts_on.data, form.ends_on.data = current.starts_on, current.ends_on
        for lang in ("fr", "ar", "zgh"):
            getattr(form, f"title_{lang}").data = (current.titles or {}).get(lang, "")
        for code in TARGETABLE:
            getattr(form, f"target_{code}").data = (current.targets or {}).get(code)
        form.sessions.data = [s.id for s in current.sessions]
    elif current is None and not form.is_submitted():
        today = date.today()
        form.starts_on.data, form.ends_on.data = date(today.year, 1, 1), date(today.year, 12, 31)
    form.sessions.choices = _session_choices(current, form)
    saved = {}

    def save():
        data = _programme_data(form)
        target = (services.update_programme(current, data, actor=current_user) if current is not None
                  else services.create_programme(data, actor=current_user))
        services.set_sessions(target, form.sessions.data or [], actor=current_user)
        saved["programme"] = target

    if form.is_submitted() and save_form(form, save, _("Le programme est enregistré."), refused=(ReportError,)):
        return redirect(url_for("reports.programme", programme_id=saved["programme"].id))
    return render_template("reports/programme.html", form=form, programme=current,
                           updated=current.updated_at if current else utcnow()), \
        form_status(form) if form.is_submitted() else 200
