"""Programmes (create, change, the sessions that belong to them) and report exports (asked for, made
by a job, audited when they hold names). The figures themselves are read in indicators.py."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from ecole.accounts.models import User
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.storage import discard_after_commit
from ecole.core.transactions import insert_once, lock_row
from ecole.extensions import db
from ecole.reports.indicators import INDICATORS, Filters
from ecole.reports.models import Programme, ReportExport, programme_sessions
from ecole.sessions.models import CourseSession

ACTION_TITLES = {
    "programme.create": _l("Programme créé"),
    "programme.update": _l("Programme modifié"),
    "programme.sessions": _l("Sessions d’un programme modifiées"),
    "report.export": _l("Export d’un rapport"),
    "report.people": _l("Liste nominative d’un rapport consultée"),
}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")
EXPORT_KIND = "report_export"
EXPORT_FORMATS = ("xlsx", "pdf")


class ReportError(ValueError):
    """A refused change; str(error) is a translated message."""


def _check(code: str, titles: dict, starts_on: date | None, ends_on: date | None, targets: dict,
           programme: Programme | None) -> str:
    code = (code or "").strip().upper()
    if not CODE.match(code):
        raise ReportError(_("Le code du programme : 2 à 32 lettres majuscules, chiffres, points, tirets "
                            "(par exemple PAFR-2026)."))
    existing = db.session.scalar(select(Programme).where(Programme.code == code))
    if existing is not None and existing is not programme:
        raise ReportError(_("Un autre programme porte déjà ce code."))
    if not (titles.get("fr") or "").strip():
        raise ReportError(_("Donnez au moins le nom du programme en français."))
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ReportError(_("La période du programme : la fin ne peut pas précéder le début."))
    for key, value in targets.items():
        if key not in INDICATORS or not isinstance(value, (int, float)) or value < 0:
            raise ReportError(_("Les objectifs sont des nombres positifs."))
    return code


def create_programme(data: dict, *, actor: User) -> Programme:
    titles = {lang: (data.get("titles") or {}).get(lang, "").strip() for lang in ("fr", "ar", "zgh")}
    targets = {k: v for k, v in (data.get("targets") or {}).items() if v not in (None, "")}
    code = _check(data.get("code"), titles, data.get("starts_on"), data.get("ends_on"), targets, None)
    programme = Programme(code=code, titles=titles, funder=(data.get("funder") or "").strip(),
                          starts_on=data["starts_on"], ends_on=data["ends_on"], targets=targets)
    if not insert_once(programme):  # another administrator took the code a moment ago
        raise ReportError(_("Un autre programme porte déjà ce code."))
    record("programme.create", programme, actor=actor, code=code)
    return programme


def update_programme(programme: Programme, data: dict, *, actor: User) -> Programme:
    lock_row(programme)  # two administrators saving at once: one after the other
    titles = {lang: (data.get("titles") or {}).get(lang, "").strip() for lang in ("fr", "ar", "zgh")}
    targets = {k: v for k, v in (data.get("targets") or {}).items() if v not in (None, "")}
    code = _check(data.get("code"), titles, data.get("starts_on"), data.get("ends_on"), targets, programme)
    programme.code, programme.titles, programme.funder = code, titles, (data.get("funder") or "").strip()
    programme.starts_on, programme.ends_on, programme.targets = data["starts_on"], data["ends_on"], targets
    programme.updated_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the new code was taken by a programme made meanwhile
        raise ReportError(_("Un autre programme porte déjà ce code.")) from None
    record("programme.update", programme, actor=actor, code=code)
    return programme


def set_sessions(programme: Programme, session_ids: list[int], *, actor: User) -> Programme:
    """The programme's sessions become exactly these (ids that name no session are refused)."""
    lock_row(programme)
    wanted = set(session_ids)
    found = set(db.session.scalars(select(CourseSession.id).where(CourseSession.id.in_(wanted or [-1]))))
    if found != wanted:
        raise ReportError(_("Une des sessions choisies n’existe plus. Rechargez la page."))
    current = set(db.session.scalars(select(programme_sessions.c.session_id)
                                     .where(programme_sessions.c.programme_id == programme.id)))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        db.session.execute(delete(programme_sessions).where(programme_sessions.c.programme_id == programme.id,
                                                            programme_sessions.c.session_id.in_(removed)))
    if added:
        db.session.execute(insert(programme_sessions), [{"programme_id": programme.id, "session_id": sid}
                                                        for sid in added])
    if added or removed:
        programme.updated_at = utcnow()
        db.session.expire(programme, ["sessions"])
        record("programme.sessions", programme, actor=actor, added=added, removed=removed)
    db.session.flush()
    return programme


def request_export(filters: Filters, fmt: str, lang: str, *, with_names: bool, actor: User | None) -> ReportExport:
    """Ask for an export (made by a job once the transaction commits); audited with what it holds."""
    from ecole.jobs import enqueue

    if fmt not in EXPORT_FORMATS:
        raise ReportError(_("Format d’export inconnu."))
    export = ReportExport(format=fmt, lang=lang, filters=filters.to_json(), with_names=with_names,
                          requested_by_id=actor.id if actor else None)
    db.session.add(export)
    db.session.flush()
    job = enqueue(EXPORT_KIND, {"export": export.id}, key=f"report-export:{export.id}")
    export.job_id = job.id
    record_export(export, filters, fmt, lang=lang, with_names=with_names, actor=actor)
    db.session.flush()
    return export


def record_export(target, filters: Filters, fmt: str, *, lang: str, with_names: bool, actor: User | None,
                  **details) -> None:
    """Who exported what, when: every export of the report, by page or command, in the audit log with
    its filters (those holding names above all)."""
    record("report.export", target, actor=actor, format=fmt, lang=lang, with_names=with_names, **details,
           **{key: str(value) for key, value in filters.as_args().items()})



def discard_named_exports() -> int:
    """A person erased on request may be named in any export made for an administrator (the names sheet
    of a workbook, a PDF's people): those exports go, with their files once the erasure is committed.
    They can be made again. Returns how many went."""
    named = db.session.scalars(select(ReportExport).where(ReportExport.with_names.is_(True))).all()
    keys = [export.storage_key for export in named if export.storage_key]
    for export in named:
        db.session.delete(export)
    db.session.flush()
    discard_after_commit(db.session(), keys)
    return len(named)
