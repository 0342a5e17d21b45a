"""The export job: one ReportExport made into its file (XLSX or PDF) and stored.

Safe to run again (a worker that died, the sweeper re-queueing it): the file's key is the export's id,
so a second run overwrites the same file, never adds one; and it is dated by the request, not by the
run, so the figures unchanged give the same bytes. The figures are computed again from the export's
filters when the job runs: small cells are hidden unless an administrator asked for names.
"""
from ecole.extensions import db


def storage_key(export) -> str:
    return f"reports/exports/{export.id}.{export.format}"


def export_job(payload: dict, job) -> None:
    from flask_babel import force_locale

    from ecole.core.models import utcnow
    from ecole.core.storage import get_storage
    from ecole.reports import exports
    from ecole.reports.indicators import Filters, compute, hide_small_cells
    from ecole.reports.models import ReportExport

    export = db.session.get(ReportExport, payload["export"])
    if export is None:  # removed since it was asked for: nothing to make
        return
    job.progress(5)
    with force_locale(export.lang):  # row labels are fixed when the figures are computed
        report = compute(Filters.from_json(export.filters))
        if not export.with_names:
            report = hide_small_cells(report)
        job.progress(40)
        if export.format == "pdf":
            data = exports.pdf_bytes(report, export.lang, made_at=export.requested_at)
        else:
            data = exports.xlsx_bytes(report, export.lang, made_at=export.requested_at)
    job.progress(80)
    key = storage_key(export)
    get_storage().put(key, data, content_type=exports.CONTENT_TYPES[export.format])
    export.storage_key, export.size = key, len(data)
    export.finished_at = export.finished_at or utcnow()
    db.session.flush()
