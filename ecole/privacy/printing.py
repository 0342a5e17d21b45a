"""The readable copy of a person's data: the download (ecole/privacy/queries.py) printed as a PDF in
the person's language, right to left in Arabic, each code turned into its title and each date into the
school's clock and the language's format (through core/pdf.py, the only importer of WeasyPrint)."""
from datetime import date, datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ecole.accounts.models import WG_ANSWERS, WG_QUESTIONS, WG_SUMMARY
from ecole.attendance.models import MARK_TITLES, REASON_TITLES
from ecole.certificates.models import KIND_TITLES
from ecole.certificates.models import STATUS_TITLES as CERTIFICATE_STATUS_TITLES
from ecole.i18n import format_date, format_when
from ecole.sessions.models import SESSION_FORMAT_TITLES
from ecole.trips.models import DOCUMENT_STATUS_TITLES, DOCUMENT_TITLES

WARNING_TITLES = {
    "streak": _l("Plusieurs séances manquées de suite"),
    "out_of_reach": _l("Présence demandée hors d’atteinte"),
}
CODE_CHANNEL_TITLES = {"staff": _l("remis par l’équipe"), "email": _l("envoyé par e-mail")}


def _moment(value: str | None, *, day: bool = False) -> str:
    """An ISO date or time of the download, as the reader's language writes it (school's clock)."""
    if not value:
        return "—"
    if len(value) == 10:
        return format_date(date.fromisoformat(value), "long")
    moment = datetime.fromisoformat(value)
    return format_date(moment, "long") if day else format_when(moment)


def _isolated(text) -> str:
    """A text of any direction inside a line of another (a French motivation in an Arabic page), between
    FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: WeasyPrint ignores `unicode-bidi: isolate` (so
    <bdi> isolates nothing in a PDF), and the text's last full stop would otherwise jump to its other end."""
    return f"\u2068{text}\u2069" if text else ""


def _title(titles: dict, code) -> str:
    """The title of a code; a code this page does not know is shown as stored."""
    for key, title in titles.items():
        if str(key) == str(code):
            return str(title)
    return str(code) if code is not None else "—"


def personal_data_html(data: dict, lang: str) -> str:
    with force_locale(lang):
        return render_template(
            "pdf/personal_data.html", data=data, lang=lang, moment=_moment, title=_title, isolated=_isolated,
            marks=MARK_TITLES, reasons=REASON_TITLES, certificate_kinds=KIND_TITLES,
            certificate_statuses=CERTIFICATE_STATUS_TITLES, session_formats=SESSION_FORMAT_TITLES,
            documents=DOCUMENT_TITLES, document_statuses=DOCUMENT_STATUS_TITLES, warnings=WARNING_TITLES,
            channels=CODE_CHANNEL_TITLES, wg_questions=WG_QUESTIONS, wg_answers=WG_ANSWERS, wg_summary=WG_SUMMARY)


def personal_data_pdf(data: dict, lang: str) -> bytes:
    from ecole.core.pdf import render_pdf

    return render_pdf(personal_data_html(data, lang))
