"""`flask ecole report`: a programme's indicators for a period, written to a file (XLSX or CSV)."""
import os
import tempfile
from datetime import date
from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.core.cli import fail
from ecole.extensions import db


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(_("%(option)s : une date AAAA-MM-JJ, par exemple 2026-01-31 (reçu « %(text)s »).",
               option=option, text=text))


@click.command("report")
@click.option("--programme", "code", required=True, help="The programme's code, e.g. PAFR-2026.")
@click.option("--from", "date_from", required=True, help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, help="Last day of the period (YYYY-MM-DD).")
@click.option("--format", "output_format", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--lang", type=click.Choice(["fr", "ar", "zgh"]), default="fr", show_default=True,
              help="The language of the file's labels.")
@click.option("--names/--no-names", default=True, show_default=True,
              help="With the names of the people trained and every figure (as administrators see them); "
                   "--no-names hides cells under 5 people, as for anyone else.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (replaced as a whole, or left as it was on error).")
def report_command(code: str, date_from: str, date_to: str, output_format: str, lang: str, names: bool,
                   output: Path):
    """Write the funders' indicators of a programme for a period; the export is recorded in the audit log."""
    from sqlalchemy import select

    from ecole.reports import exports
    from ecole.reports.indicators import Filters, compute, hide_small_cells
    from ecole.reports.models import Programme
    from ecole.reports.services import record_export

    first, last = _day(date_from, "--from"), _day(date_to, "--to")
    if last < first:
        fail(_("La période : la fin (%(end)s) ne peut pas précéder le début (%(start)s).",
               end=last.isoformat(), start=first.isoformat()))
    programme = db.session.scalar(select(Programme).where(Programme.code == code.strip().upper()))
    if programme is None:
        fail(_("Programme « %(code)s » introuvable.", code=code))
    if not output.parent.is_dir():
        fail(_("Le dossier %(folder)s n’existe pas.", folder=str(output.parent)))
    filters = Filters(first, last, programme.id)
    with force_locale(lang):  # row labels are fixed when the figures are computed
        report = compute(filters)
    if not names:
        report = hide_small_cells(report)
    if output_format == "csv":
        data = exports.csv_report(report, lang, with_people=names).encode("utf-8")
    else:
        data = exports.xlsx_bytes(report, lang)
    record_export(programme, filters, output_format, lang=lang, with_names=names, actor=None, command="report")
    _write_atomically(output, data, commit=db.session.commit)
    click.echo(_("Rapport écrit : %(path)s (%(people)s personne(s) formée(s)).", path=str(output),
                 people=report.totals["trained"] if report.totals["trained"] is not None else exports.HIDDEN))


def _write_atomically(path: Path, data: bytes, *, commit) -> None:
    """A temporary file beside the target, renamed over it once whole: a reader sees the old file or the
    new one, never half of one. The audit entry is committed before the rename, so no file leaves
    without its entry; when anything fails, the temporary file goes and the target is untouched."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(handle, 0o666 & ~umask)  # as any file the operator writes, not mkstemp's 0600
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        commit()
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        fail(f"{path}: {error.strerror}")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
