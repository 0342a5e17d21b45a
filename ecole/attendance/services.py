"""Registers, results and warnings. Every change to a meeting's marks first locks its register's
row (`lock_row`), so two phones saving the same register at once are applied one after the other,
on SQLite and PostgreSQL; each change of a mark is kept in RegisterEvent (who, when, from what to
what). Services flush; the caller commits once."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ecole.accounts.models import User
from ecole.accounts.services import hold_person
from ecole.attendance.completion import Rule, SessionFacts, expected, session_facts
from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import (
    AbsenceWarning,
    Assessment,
    AttendanceMark,
    CompletionRule,
    Mark,
    Register,
    RegisterEvent,
    Result,
)
from ecole.catalogue.models import Course
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.timezone import school_zone
from ecole.core.transactions import insert_once, lock_row
from ecole.enrolment import services as enrolment_services
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.notifications.services import notify
from ecole.sessions.models import CourseSession, Meeting, SessionStatus

# Titles of this domain's audit actions (create_app gives them to core/audit.py).
ACTION_TITLES = {
    "register.lock": _l("Verrouillage d’une feuille de présence"),
    "register.unlock": _l("Déverrouillage d’une feuille de présence"),
    "results.validate": _l("Validation des résultats d’une session"),
    "results.unlock": _l("Réouverture des résultats d’une session"),
    "completion_rule.update": _l("Modification des règles de réussite d’une formation"),
}
MARKABLE = frozenset({S.CONFIRMED, S.COMPLETED, S.NOT_COMPLETED})


def register_of(meeting: Meeting) -> Register:
    """The meeting's register row, created on first use (two first uses at once meet the unique key)."""
    register = db.session.scalar(select(Register).where(Register.meeting_id == meeting.id))
    if register is None:
        register = Register(meeting_id=meeting.id, updated_at=utcnow())
        if not insert_once(register):
            register = db.session.scalar(select(Register).where(Register.meeting_id == meeting.id))
    return register


def may_mark(user: User | None, course_session: CourseSession) -> bool:
    return course_session.can_manage(user)


def check_markable(meeting: Meeting, register: Register, now: datetime) -> None:
    course_session = meeting.course_session
    if register.is_locked:
        raise AttendanceError(_("Cette feuille de présence est verrouillée : seul un administrateur peut la rouvrir."))
    if meeting.is_cancelled:
        raise AttendanceError(_("Cette séance est annulée : il n’y a pas de présence à noter."))
    if course_session.status not in (SessionStatus.PUBLISHED, SessionStatus.COMPLETED):
        raise AttendanceError(_("La présence se note pour une session publiée."))
    zone = school_zone()
    if meeting.starts_at.astimezone(zone).date() > now.astimezone(zone).date():
        raise AttendanceError(_("Cette séance n’a pas encore eu lieu : la présence se note le jour même."))


@dataclass
class Saved:
    changed: int = 0
    unchanged: int = 0
    warnings: list[int] = field(default_factory=list)  # enrolments just warned about their absences


def save_marks(meeting: Meeting, marks: Mapping[int, Mark | str], *, actor: User, now: datetime | None = None,
               marked_at: datetime | None = None) -> Saved:
    """Set the marks of `meeting` for the given enrolments (id → mark). All or nothing: an unknown
    mark, or an enrolment that is not a confirmed trainee of this session, refuses the whole set."""
    now = now or utcnow()
    course_session = meeting.course_session
    if not may_mark(actor, course_session):
        raise AttendanceError(_("Seuls les formateurs de la session et les administrateurs notent la présence."))
    register = register_of(meeting)
    lock_row(register)
    check_markable(meeting, register, now)
    try:
        wanted = {int(enrolment_id): Mark(mark) for enrolment_id, mark in marks.items()}
    except (TypeError, ValueError):
        raise AttendanceError(_("Marque de présence inconnue.")) from None
    enrolments = {e.id: e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.id.in_(list(wanted) or [-1]), Enrolment.session_id == course_session.id))}
    if any(enrolment_id not in enrolments or enrolments[enrolment_id].status not in MARKABLE
           for enrolment_id in wanted):
        raise AttendanceError(_("Seules les personnes dont l’inscription est confirmée figurent sur la feuille."))
    existing = {m.enrolment_id: m for m in db.session.scalars(select(AttendanceMark).where(
        AttendanceMark.meeting_id == meeting.id, AttendanceMark.enrolment_id.in_(list(wanted) or [-1])))}
    saved = Saved()
    when = marked_at or now
    for enrolment_id, mark in wanted.items():
        current = existing.get(enrolment_id)
        before = current.status if current is not None else None
        if before == mark:
            saved.unchanged += 1
            continue
        set_mark(meeting.id, enrolment_id, current, mark.value, when=when, by_id=actor.id)
        db.session.add(RegisterEvent(meeting_id=meeting.id, enrolment_id=enrolment_id, kind="mark",
                                     from_status=before, to_status=mark.value, at=now, actor_id=actor.id))
        saved.changed += 1
    register.updated_at = now
    db.session.flush()
    if saved.changed:
        saved.warnings = marks_changed(meeting, now=now)
    return saved


def set_mark(meeting_id: int, enrolment_id: int, existing: AttendanceMark | None, status: str, *,
             when: datetime, by_id: int | None) -> AttendanceMark:
    """The register's word for one person, created or changed (the caller writes the history)."""
    if existing is None:
        existing = AttendanceMark(meeting_id=meeting_id, enrolment_id=enrolment_id)
        db.session.add(existing)
    existing.status, existing.marked_at, existing.marked_by_id = status, when, by_id
    return existing


def marks_changed(meeting: Meeting, *, now: datetime, warn: bool = True) -> list[int]:
    """After marks change: store the session's standings again, then warn about absences (the
    enrolments warned). Under the session's lock: each of its registers stores the whole session's
    standings, so two registers of one session saved at once take turns, the second counting the
    first's marks (both inserted the results, and the second met their unique key: a 500 on PostgreSQL)."""
    lock_row(meeting.course_session, columns_only=True)
    facts = session_facts(meeting.course_session)
    refresh_results(facts, now=now)
    return warn_absences(facts, meeting, now=now) if warn else []


def everyone_present(meeting: Meeting, *, actor: User, now: datetime | None = None) -> Saved:
    """"Everyone present": every confirmed trainee without a mark yet is marked present; marks
    already taken (the exceptions) are kept."""
    facts = session_facts(meeting.course_session)
    unmarked = {e.id: Mark.PRESENT for e in facts.enrolments
                if meeting.id not in facts.marks.get(e.id, {}) and S(e.status) in MARKABLE}
    return save_marks(meeting, unmarked, actor=actor, now=now)


def register_complete(meeting: Meeting, facts: SessionFacts) -> list[Enrolment]:
    """The trainees still without a mark at this meeting (empty when the register is complete)."""
    return [e for e in facts.enrolments
            if meeting.id not in facts.marks.get(e.id, {})
            and expected(meeting, facts.joined.get(e.id), None)]


def lock_register(meeting: Meeting, *, actor: User, now: datetime | None = None) -> Register:
    now = now or utcnow()
    if not may_mark(actor, meeting.course_session):
        raise AttendanceError(_("Seuls les formateurs de la session et les administrateurs notent la présence."))
    register = register_of(meeting)
    lock_row(register)
    check_markable(meeting, register, now)
    missing = register_complete(meeting, session_facts(meeting.course_session))
    if missing:
        raise AttendanceError(_("Notez d’abord la présence de chaque personne (%(count)s sans marque).",
                                count=len(missing)))
    register.locked_at, register.locked_by_id, register.updated_at = now, actor.id, now
    db.session.add(RegisterEvent(meeting_id=meeting.id, kind="lock", at=now, actor_id=actor.id))
    record("register.lock", register, actor=actor, meeting=meeting.id)
    db.session.flush()
    return register


def unlock_register(meeting: Meeting, reason: str, *, actor: User, now: datetime | None = None) -> Register:
    now = now or utcnow()
    if actor is None or not actor.is_admin:
        raise AttendanceError(_("Seul un administrateur peut rouvrir une feuille verrouillée."))
    reason = (reason or "").strip()
    if not reason:
        raise AttendanceError(_("Donnez la raison de la réouverture : elle reste dans l’historique."))
    register = register_of(meeting)
    lock_row(register)
    if not register.is_locked:
        raise AttendanceError(_("Cette feuille de présence n’est pas verrouillée."))
    if results_validated(meeting.course_session):
        raise AttendanceError(_("Les résultats de la session sont validés : rouvrez-les d’abord."))
    register.locked_at, register.locked_by_id, register.updated_at = None, None, now
    db.session.add(RegisterEvent(meeting_id=meeting.id, kind="unlock", at=now, actor_id=actor.id, reason=reason))
    record("register.unlock", register, actor=actor, meeting=meeting.id, reason=reason)
    db.session.flush()
    return register


# --- results ---------------------------------------------------------------------------------

def results_validated(course_session: CourseSession) -> bool:
    return db.session.scalar(select(Result.id).join(Enrolment, Enrolment.id == Result.enrolment_id).where(
        Enrolment.session_id == course_session.id, Result.validated_at.is_not(None)).limit(1)) is not None


def refresh_results(facts: SessionFacts, *, now: datetime | None = None) -> dict[int, Result]:
    """Store each enrolment's standing (hours attended, completed) unless its result is validated."""
    now = now or utcnow()
    ids = [e.id for e in facts.enrolments] or [-1]
    results = {r.enrolment_id: r for r in db.session.scalars(select(Result).where(Result.enrolment_id.in_(ids)))}
    for enrolment in facts.enrolments:
        result = results.get(enrolment.id)
        if result is not None and result.is_locked:
            continue
        standing = facts.standing_of(enrolment, now)
        if result is None:
            result = results[enrolment.id] = Result(enrolment_id=enrolment.id)
            db.session.add(result)
        result.minutes_expected, result.minutes_attended = standing.minutes_expected, standing.minutes_attended
        result.completed, result.reasons, result.computed_at = standing.completed, standing.reasons, now
    db.session.flush()
    return results


def validate_results(course_session: CourseSession, *, actor: User, now: datetime | None = None) -> dict[int, Result]:
    """The trainer's final word: every register is complete, the results are stored and locked, the
    registers are locked, and each enrolment becomes "completed" or "not completed"."""
    now = now or utcnow()
    if not may_mark(actor, course_session):
        raise AttendanceError(_("Seuls les formateurs de la session et les administrateurs valident les résultats."))
    lock_row(course_session, columns_only=True)
    if course_session.status not in (SessionStatus.PUBLISHED, SessionStatus.COMPLETED):
        raise AttendanceError(_("Seuls les résultats d’une session publiée ou terminée se valident."))
    last = course_session.last_meeting_start
    if last is None or last > now:
        raise AttendanceError(_("Les résultats se valident après le début de la dernière séance."))
    if results_validated(course_session):
        raise AttendanceError(_("Les résultats de cette session sont déjà validés : seul un administrateur peut les rouvrir."))
    facts = session_facts(course_session)
    missing = sum(len(facts.standing_of(e, now).unmarked) for e in facts.enrolments if S(e.status) in MARKABLE)
    if missing:
        raise AttendanceError(_("Des présences ne sont pas notées (%(count)s) : complétez les feuilles avant de "
                                "valider.", count=missing))
    for meeting in facts.meetings:
        if meeting.is_cancelled:
            continue
        register = register_of(meeting)
        if not register.is_locked:
            register.locked_at, register.locked_by_id, register.updated_at = now, actor.id, now
            db.session.add(RegisterEvent(meeting_id=meeting.id, kind="lock", at=now, actor_id=actor.id,
                                         reason="results"))
    results = refresh_results(facts, now=now)
    for enrolment in facts.enrolments:
        result = results[enrolment.id]
        result.validated_at, result.validated_by_id = now, actor.id
        target = S.COMPLETED if result.completed else S.NOT_COMPLETED
        if enrolment.status != target.value:
            enrolment_services.move(enrolment, target, actor=actor, reason="results")
    record("results.validate", course_session, actor=actor,
           completed=sum(1 for r in results.values() if r.completed), total=len(results))
    db.session.flush()
    return results


def unlock_results(course_session: CourseSession, reason: str, *, actor: User, now: datetime | None = None) -> int:
    now = now or utcnow()
    if actor is None or not actor.is_admin:
        raise AttendanceError(_("Seul un administrateur peut rouvrir des résultats validés."))
    reason = (reason or "").strip()
    if not reason:
        raise AttendanceError(_("Donnez la raison de la réouverture : elle reste dans l’historique."))
    lock_row(course_session, columns_only=True)
    results = db.session.scalars(select(Result).join(Enrolment, Enrolment.id == Result.enrolment_id).where(
        Enrolment.session_id == course_session.id, Result.validated_at.is_not(None))).all()
    if not results:
        raise AttendanceError(_("Les résultats de cette session ne sont pas validés."))
    for result in results:
        result.validated_at, result.validated_by_id = None, None
    record("results.unlock", course_session, actor=actor, reason=reason, results=len(results))
    db.session.flush()
    return len(results)


def results_locked(enrolment: Enrolment) -> bool:
    return db.session.scalar(select(Result.validated_at).where(Result.enrolment_id == enrolment.id)) is not None


# --- warnings --------------------------------------------------------------------------------

def warn_absences(facts: SessionFacts, meeting: Meeting, *, now: datetime) -> list[int]:
    """After marks are taken: warn (once per kind) each trainee who missed `absence_streak` meetings
    in a row, or who can no longer reach the attendance the rule asks for. The trainee and the
    trainers get a notice in their language, and the trainee goes on the call list."""
    rule: Rule = facts.rule
    ids = [e.id for e in facts.enrolments] or [-1]
    sent = {(w.enrolment_id, w.kind) for w in db.session.scalars(
        select(AbsenceWarning).where(AbsenceWarning.enrolment_id.in_(ids)))}
    warned = []
    for enrolment in facts.enrolments:
        if S(enrolment.status) != S.CONFIRMED:
            continue
        marks = facts.marks.get(enrolment.id, {})
        joined = facts.joined.get(enrolment.id)
        held = [m for m in facts.meetings if expected(m, joined, marks.get(m.id)) and m.id in marks]
        streak = 0
        for held_meeting in reversed(held):
            if marks[held_meeting.id] != Mark.ABSENT:
                break
            streak += 1
        kinds = []
        if streak >= rule.absence_streak:
            kinds.append("streak")
        standing = facts.standing_of(enrolment, now)
        still_possible = standing.minutes_attended + sum(
            m.minutes for m in facts.meetings if expected(m, joined, None) and m.id not in marks)
        if standing.minutes_counted and still_possible * 100 < rule.min_attendance * standing.minutes_counted:
            kinds.append("out_of_reach")
        kinds = [kind for kind in kinds if (enrolment.id, kind) not in sent]
        # The trainers' notice names the person: an erasure under way is waited for, and nobody is told
        # about a person erased (the marks stay, anonymised, for the funders).
        if kinds and hold_person(enrolment.user).erased_at is not None:
            continue
        for kind in kinds:
            if not insert_once(AbsenceWarning(enrolment_id=enrolment.id, kind=kind, meeting_id=meeting.id,
                                              created_at=now)):
                continue  # another request warned just now
            course_session = facts.course_session
            notify(enrolment.user, f"attendance.{kind}", course_session=course_session, count=streak,
                   call=True)
            for trainer in course_session.trainers:
                notify(trainer, f"attendance.trainer_{kind}", course_session=course_session,
                       name=enrolment.user.name_latin, count=streak, call=False)
            warned.append(enrolment.id)
    return warned


# --- rules -----------------------------------------------------------------------------------

def save_rule(course_id: int, rule: Rule, *, actor: User) -> CompletionRule:
    if actor is None or not actor.is_admin:
        raise AttendanceError(_("Seul un administrateur fixe les règles de réussite."))
    if not 0 <= rule.min_attendance <= 100:
        raise AttendanceError(_("Le minimum de présence est un pourcentage entre 0 et 100."))
    if not 1 <= rule.absence_streak <= 50:
        raise AttendanceError(_("Le nombre d’absences de suite doit être entre 1 et 50."))
    row = db.session.get(CompletionRule, course_id)
    before = {name: getattr(row, name) for name in vars(rule)} if row is not None else {}
    if row is None:
        row = CompletionRule(course_id=course_id)
        db.session.add(row)
    for name, value in vars(rule).items():
        setattr(row, name, value)
    record("completion_rule.update", db.session.get(Course, course_id), actor=actor, before=before,
           after=dict(vars(rule)))
    db.session.flush()
    return row


def forget_texts(user: User) -> None:
    """A person erased on request: what staff wrote about them (assessment comments, the reasons given
    for changes to their marks) is emptied. Marks, results and assessments stay: the funders' counts,
    completion and certificates rest on them."""
    theirs = select(Enrolment.id).where(Enrolment.user_id == user.id)
    options = {"synchronize_session": False}
    db.session.execute(update(Assessment).where(Assessment.enrolment_id.in_(theirs)).values(comment=""),
                       execution_options=options)
    db.session.execute(update(RegisterEvent).where(RegisterEvent.enrolment_id.in_(theirs)).values(reason=""),
                       execution_options=options)
