"""Printed sign-in sheets: one per meeting, or one for a whole session with a column per meeting.

Pages are laid out here, not by WeasyPrint's flow: each page holds a fixed number of rows, so its
number is known when its QR code is drawn. The code carries the sheet's identity (meeting or
session, and page) and a short HMAC made from SECRET_KEY, so that a scan of the signed sheet files
itself under the right meeting and a forged or damaged code reads as no code at all.
"""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ecole.accounts.models import User
from ecole.enrolment.models import Enrolment, EnrolmentStatus
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting

SHEET_LANGUAGES = ("fr", "ar", "zgh")  # every sheet speaks all three, whatever its reader's language
ROWS_PER_PAGE = 20  # rows of people on every page (meeting sheet)
SESSION_ROWS_PER_PAGE = 14  # the session sheet is landscape: fewer rows fit
MEETINGS_PER_PAGE = 8  # meeting columns on one page of the session sheet
WALK_IN_ROWS = 4  # blank lines at least, for people who come without having enrolled
# Who signs: people who hold (or held) a confirmed seat. An offer not yet accepted is not a seat.
SIGNING_STATUSES = (EnrolmentStatus.CONFIRMED.value, EnrolmentStatus.COMPLETED.value,
                    EnrolmentStatus.NOT_COMPLETED.value)

# The sheet's words, each printed in the three languages (force_locale), never hard-coded.
HEADINGS = {
    "title": _l("Feuille d’émargement"),
    "session_title": _l("Feuille d’émargement de la session"),
    "name": _l("Nom"),
    "name_arabic": _l("Nom en caractères arabes"),
    "phone": _l("Tél. (4 derniers chiffres)"),
    "signature": _l("Signature ou empreinte"),
    "on_behalf": _l("Signé pour la personne"),
    "walk_ins": _l("Personnes venues sans inscription"),
    "trainer": _l("Signature du formateur ou de la formatrice"),
    "place": _l("Lieu"),
    "school": _l("École Pratique de Développement Rural — association Migrations & Développement, Souss."),
}

CODE_PREFIX = "EPDR"
_CODE = re.compile(r"^EPDR:([MS]):(\d{1,12}):P:(\d{1,4}):([A-Z2-7]{13})$")


@dataclass(frozen=True)
class SheetCode:
    """What a sheet's QR code says: a meeting's ("M") or a session's ("S") sheet, and its page."""

    kind: str
    target_id: int
    page: int

    @property
    def payload(self) -> str:
        return f"{CODE_PREFIX}:{self.kind}:{self.target_id}:P:{self.page}"


def _mac(payload: str) -> str:
    key = hashlib.sha256(b"ecole.sign-in-sheet:" + current_app.config["SECRET_KEY"].encode()).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:8]
    return base64.b32encode(digest).decode().rstrip("=")  # 13 characters, QR alphanumeric mode


def encode_code(code: SheetCode) -> str:
    return f"{code.payload}:{_mac(code.payload)}"


def decode_code(text: str | None) -> SheetCode | None:
    """The identity a QR code carries, or None when it is not one of ours or its HMAC is wrong."""
    match = _CODE.match((text or "").strip())
    if not match:
        return None
    code = SheetCode(match[1], int(match[2]), int(match[3]))
    if not hmac.compare_digest(_mac(code.payload), match[4]) or code.page < 1:
        return None
    return code


def qr_svg(code: SheetCode) -> str:
    import segno

    return segno.make(encode_code(code), error="m").svg_inline(scale=3, border=3, omitsize=True)


@dataclass
class Row:
    enrolment: Enrolment | None = None  # None: a blank line for a walk-in

    @property
    def person(self) -> User | None:
        return self.enrolment.user if self.enrolment else None

    @property
    def phone_end(self) -> str:
        digits = re.sub(r"\D", "", (self.person.phone or "") if self.person else "")
        return digits[-4:]


@dataclass
class SheetPage:
    number: int
    code: SheetCode
    rows: list[Row]
    first_index: int  # the line number of its first row
    meetings: list[Meeting] = field(default_factory=list)  # session sheet: this page's columns
    qr: str = ""


@dataclass
class Sheet:
    kind: str  # "meeting" or "session"
    course_session: CourseSession
    meeting: Meeting | None
    pages: list[SheetPage]
    headings: dict[str, dict[str, str]]  # key → {lang: text}
    dates: dict[str, str]  # lang → the date as that language writes it
    times: str = ""  # the meeting's hours (the same digits in every language)
    columns: dict[int, str] = field(default_factory=dict)  # session sheet: meeting id → its column's date

    @property
    def page_count(self) -> int:
        return len(self.pages)


def signing_enrolments(course_session: CourseSession) -> list[Enrolment]:
    """Who signs a session's sheets, by name (Latin script, as on the roster)."""
    rows = db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.session_id == course_session.id, Enrolment.status.in_(SIGNING_STATUSES))
        .options(joinedload(Enrolment.user))).all()
    return sorted(rows, key=lambda e: (e.user.name_latin.casefold(), e.user.name_arabic, e.id))


def sheet_meetings(course_session: CourseSession) -> list[Meeting]:
    """The meetings a session sheet has a column for: those not called off, in order."""
    return [m for m in course_session.meetings if not m.is_cancelled]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _rows(enrolments: list[Enrolment], per_page: int) -> list[list[Row]]:
    """People first, then at least WALK_IN_ROWS blank lines, the last page filled with blank lines."""
    rows = [Row(e) for e in enrolments] + [Row() for _ in range(WALK_IN_ROWS)]
    rows += [Row() for _ in range(-len(rows) % per_page)]
    return _chunks(rows, per_page)


def _in_each_language(render) -> dict[str, str]:
    result = {}
    for lang in SHEET_LANGUAGES:
        with force_locale(lang):
            result[lang] = render(lang)
    return result


def _headings() -> dict[str, dict[str, str]]:
    return {key: _in_each_language(lambda _lang, text=text: str(text)) for key, text in HEADINGS.items()}


def _meeting_when(meeting: Meeting):
    from ecole.i18n import format_date

    return lambda _lang: format_date(meeting.starts_at, "full")


def _meeting_times(meeting: Meeting) -> str:
    from ecole.i18n import format_time

    return f"{format_time(meeting.starts_at)}–{format_time(meeting.ends_at)}"  # Latin digits in every language


def meeting_sheet(meeting: Meeting) -> Sheet:
    course_session = meeting.course_session
    pages = []
    for index, rows in enumerate(_rows(signing_enrolments(course_session), ROWS_PER_PAGE), start=1):
        code = SheetCode("M", meeting.id, index)
        pages.append(SheetPage(index, code, rows, first_index=(index - 1) * ROWS_PER_PAGE + 1, qr=qr_svg(code)))
    return Sheet("meeting", course_session, meeting, pages, _headings(), _in_each_language(_meeting_when(meeting)),
                 _meeting_times(meeting))


def session_sheet(course_session: CourseSession) -> Sheet:
    """Pages go down the people first, then across the meetings (8 columns a page)."""
    from ecole.i18n import format_date

    people = _rows(signing_enrolments(course_session), SESSION_ROWS_PER_PAGE)
    pages = []
    for meetings in _chunks(sheet_meetings(course_session), MEETINGS_PER_PAGE):
        for rows_index, rows in enumerate(people):
            number = len(pages) + 1
            code = SheetCode("S", course_session.id, number)
            pages.append(SheetPage(number, code, rows, first_index=rows_index * SESSION_ROWS_PER_PAGE + 1,
                                   meetings=meetings, qr=qr_svg(code)))
    meetings = sheet_meetings(course_session)

    def when(_lang):
        if not meetings:
            return ""
        first, last = format_date(meetings[0].starts_at, "long"), format_date(meetings[-1].starts_at, "long")
        return first if first == last else f"{first} – {last}"

    # Short dates without the direction marks CLDR puts in Arabic ones: the column prints them left to right.
    columns = {m.id: re.sub("[\u200e\u200f\u061c]", "", format_date(m.starts_at, "short")) for m in meetings}
    return Sheet("session", course_session, None, pages, _headings(), _in_each_language(when), columns=columns)


def render_sheet_pdf(sheet: Sheet) -> bytes:
    from ecole.core.pdf import render_pdf
    from ecole.i18n import current_language

    titles = _in_each_language(lambda lang: sheet.course_session.course.title(lang))
    page_labels = {page.number: _in_each_language(
        lambda _lang, n=page.number: str(_l("Page %(page)s sur %(pages)s", page=n, pages=sheet.page_count)))
        for page in sheet.pages}
    html = render_template("pdf/sign_in_sheet.html", sheet=sheet, titles=titles, page_labels=page_labels,
                           languages=SHEET_LANGUAGES, lang=current_language())
    return render_pdf(html)


def meeting_sheet_pdf(meeting: Meeting) -> bytes:
    return render_sheet_pdf(meeting_sheet(meeting))


def session_sheet_pdf(course_session: CourseSession) -> bytes:
    return render_sheet_pdf(session_sheet(course_session))
