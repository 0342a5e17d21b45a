"""Marks taken offline, sent later by a phone. Each mark carries a client id (its idempotency key),
the phone's time and the meeting and enrolment it is about; the signed-in trainer sent it.

Rules: a mark sent twice is stored once ("duplicate"); for the same trainee and meeting the latest
by the phone's time wins, and an older one is kept in the history only ("superseded"); a mark for
a locked register becomes a request for review, never an overwrite ("needs_review"); a mark for
someone who is no longer a confirmed trainee, for a meeting the sender does not teach, or that
cannot be read, is refused with the reason ("refused"). Every mark received is in RegisterEvent or
MarkReview, keyed by its client id (unique: two copies racing meet the key)."""
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ecole.accounts.models import User
from ecole.attendance.errors import AttendanceError
from ecole.attendance.models import AttendanceMark, Mark, MarkReview, RegisterEvent
from ecole.attendance.services import MARKABLE, check_markable, marks_changed, register_of, results_validated, set_mark
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.transactions import insert_once, lock_row
from ecole.enrolment.models import Enrolment
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.extensions import db
from ecole.sessions.models import Meeting

MAX_MARKS = 500  # one phone's outbox for a week of meetings holds far fewer
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
OUTCOMES = ("stored", "duplicate", "superseded", "needs_review", "refused")
ACTION_TITLES = {
    "mark_review.accept": _l("Acceptation d’une présence envoyée hors ligne"),
    "mark_review.reject": _l("Refus d’une présence envoyée hors ligne"),
}


@dataclass
class Outcome:
    client_id: str
    outcome: str
    message: str

    def as_dict(self) -> dict:
        return {"client_id": self.client_id, "outcome": self.outcome, "message": self.message}


@dataclass
class Incoming:
    client_id: str
    meeting_id: int
    enrolment_id: int
    status: Mark
    marked_at: datetime


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**31 - 1 else None


def read_mark(raw) -> Incoming | str:
    """One mark of the body, or the translated reason it cannot be read."""
    if not isinstance(raw, dict):
        return _("Présence illisible.")
    client_id = raw.get("client_id")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        return _("Présence illisible.")
    meeting_id, enrolment_id = _int(raw.get("meeting")), _int(raw.get("enrolment"))
    if meeting_id is None or enrolment_id is None:
        return _("Présence illisible.")
    if not isinstance(raw.get("status"), str) or raw["status"] not in {m.value for m in Mark}:
        return _("Marque de présence inconnue.")
    try:
        marked_at = datetime.fromisoformat(raw.get("marked_at") or "")
    except (TypeError, ValueError):
        return _("L’heure de la présence est illisible.")
    if marked_at.tzinfo is None or not 2000 <= marked_at.year <= 2200:
        return _("L’heure de la présence est illisible.")
    return Incoming(client_id, meeting_id, enrolment_id, Mark(raw["status"]), marked_at.astimezone(timezone.utc))


def _known(client_ids: list[str]) -> set[str]:
    if not client_ids:
        return set()
    seen = set(db.session.scalars(select(RegisterEvent.client_id).where(RegisterEvent.client_id.in_(client_ids))))
    return seen | set(db.session.scalars(select(MarkReview.client_id).where(MarkReview.client_id.in_(client_ids))))


def sync_marks(raw_marks: list, *, actor: User, now: datetime | None = None) -> list[Outcome]:
    """Apply a phone's outbox. One answer per mark, in the order received."""
    now = now or utcnow()
    if not isinstance(raw_marks, list) or len(raw_marks) > MAX_MARKS:
        raise AttendanceError(_("Envoi illisible : une liste d’au plus %(max)s présences est attendue.", max=MAX_MARKS))
    answers: list[Outcome | None] = [None] * len(raw_marks)
    by_meeting: dict[int, list[tuple[int, Incoming]]] = defaultdict(list)
    for index, raw in enumerate(raw_marks):
        mark = read_mark(raw)
        if isinstance(mark, str):
            client_id = raw.get("client_id") if isinstance(raw, dict) and isinstance(raw.get("client_id"), str) else ""
            answers[index] = Outcome(client_id[:64], "refused", mark)
        else:
            by_meeting[mark.meeting_id].append((index, mark))
    meetings = {m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(list(by_meeting) or [-1])))}
    for meeting_id in sorted(by_meeting):  # one lock order for every request: no deadlock between two phones
        marks = by_meeting[meeting_id]
        meeting = meetings.get(meeting_id)
        if meeting is None or not meeting.course_session.can_manage(actor):
            for index, mark in marks:
                answers[index] = Outcome(mark.client_id, "refused",
                                         _("Vous n’êtes pas formateur de cette séance : présence refusée."))
            continue
        for index, outcome in _sync_meeting(meeting, marks, actor=actor, now=now).items():
            answers[index] = outcome
    return [answer for answer in answers if answer is not None]


def _sync_meeting(meeting: Meeting, marks: list[tuple[int, Incoming]], *, actor: User, now: datetime) -> dict[int, Outcome]:
    register = register_of(meeting)
    lock_row(register)
    answers: dict[int, Outcome] = {}
    known = _known([mark.client_id for _index, mark in marks])
    try:
        if not register.is_locked:
            check_markable(meeting, register, now)
        problem = None
    except AttendanceError as error:
        problem = str(error)
    enrolments = {e.id: e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.id.in_([mark.enrolment_id for _index, mark in marks]), Enrolment.session_id == meeting.session_id))}
    current = {m.enrolment_id: m for m in db.session.scalars(select(AttendanceMark).where(
        AttendanceMark.meeting_id == meeting.id, AttendanceMark.enrolment_id.in_(list(enrolments) or [-1])))}
    changed = False
    for index, mark in sorted(marks, key=lambda pair: pair[1].marked_at):  # oldest first: the latest is applied last
        when = min(mark.marked_at, now)  # a phone whose clock runs ahead cannot win every future conflict
        if mark.client_id in known:
            answers[index] = Outcome(mark.client_id, "duplicate", _("Déjà reçue."))
            continue
        known.add(mark.client_id)
        enrolment = enrolments.get(mark.enrolment_id)
        if enrolment is None or S(enrolment.status) not in MARKABLE:
            answers[index] = Outcome(mark.client_id, "refused",
                                     _("Cette personne n’est plus inscrite à la session : présence refusée."))
            continue
        if problem is not None:
            answers[index] = Outcome(mark.client_id, "refused", problem)
            continue
        if register.is_locked:
            if insert_once(MarkReview(meeting_id=meeting.id, enrolment_id=enrolment.id, status=mark.status.value,
                               marked_at=when, client_id=mark.client_id, sent_by_id=actor.id, received_at=now)):
                answers[index] = Outcome(mark.client_id, "needs_review",
                                         _("La feuille est verrouillée : la présence attend l’accord du formateur ou "
                                           "d’un administrateur."))
            else:
                answers[index] = Outcome(mark.client_id, "duplicate", _("Déjà reçue."))
            continue
        existing = current.get(enrolment.id)
        before = existing.status if existing is not None else None
        newer = existing is None or when > existing.marked_at
        event = RegisterEvent(meeting_id=meeting.id, enrolment_id=enrolment.id, kind="mark" if newer else "superseded",
                              from_status=before, to_status=mark.status.value, at=now, actor_id=actor.id,
                              client_id=mark.client_id, reason="offline")
        if not insert_once(event):
            answers[index] = Outcome(mark.client_id, "duplicate", _("Déjà reçue."))
            continue
        if not newer:
            answers[index] = Outcome(mark.client_id, "superseded",
                                     _("Une présence plus récente est déjà notée : celle-ci reste dans l’historique."))
            continue
        current[enrolment.id] = set_mark(meeting.id, enrolment.id, existing, mark.status.value, when=when, by_id=actor.id)
        changed = True
        answers[index] = Outcome(mark.client_id, "stored", _("Enregistrée."))
    register.updated_at = now
    db.session.flush()
    if changed:
        marks_changed(meeting, now=now)
    return answers


# --- review requests -------------------------------------------------------------------------

def pending_reviews(meeting: Meeting) -> list[MarkReview]:
    return list(db.session.scalars(select(MarkReview).where(MarkReview.meeting_id == meeting.id,
                                                            MarkReview.decision == "pending")
                                   .order_by(MarkReview.marked_at, MarkReview.id)))


def decide_review(review: MarkReview, accept: bool, *, actor: User, now: datetime | None = None) -> MarkReview:
    """Accept (the mark replaces the register's, in the history) or reject (it stays in the history only)."""
    now = now or utcnow()
    meeting = db.session.get(Meeting, review.meeting_id)
    if not meeting.course_session.can_manage(actor):
        raise AttendanceError(_("Seuls les formateurs de la session et les administrateurs notent la présence."))
    register = register_of(meeting)
    lock_row(register)
    db.session.refresh(review)
    if review.decision != "pending":
        raise AttendanceError(_("Cette demande a déjà été traitée."))
    if accept and results_validated(meeting.course_session):
        raise AttendanceError(_("Les résultats de la session sont validés : rouvrez-les d’abord."))
    review.decision, review.decided_by_id, review.decided_at = ("accepted" if accept else "rejected"), actor.id, now
    if accept:
        existing = db.session.scalar(select(AttendanceMark).where(AttendanceMark.meeting_id == meeting.id,
                                                                  AttendanceMark.enrolment_id == review.enrolment_id))
        before = existing.status if existing is not None else None
        set_mark(meeting.id, review.enrolment_id, existing, review.status, when=review.marked_at, by_id=review.sent_by_id)
        db.session.add(RegisterEvent(meeting_id=meeting.id, enrolment_id=review.enrolment_id, kind="mark",
                                     from_status=before, to_status=review.status, at=now, actor_id=actor.id,
                                     reason="review"))
    record("mark_review.accept" if accept else "mark_review.reject", review, actor=actor, meeting=meeting.id,
           enrolment=review.enrolment_id, status=review.status)
    db.session.flush()
    if accept:
        marks_changed(meeting, now=now, warn=False)
    return review


def pending_counts(meetings: list[Meeting]) -> dict[int, int]:
    """How many review requests wait, per meeting (one query)."""
    from sqlalchemy import func

    return dict(db.session.execute(
        select(MarkReview.meeting_id, func.count(MarkReview.id))
        .where(MarkReview.meeting_id.in_([m.id for m in meetings] or [-1]), MarkReview.decision == "pending")
        .group_by(MarkReview.meeting_id)).all())
