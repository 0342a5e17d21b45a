"""Enrolment operations. Every state change is a conditional UPDATE on the current state, and seats
are taken and given back with conditional UPDATEs on the session's counter: two requests racing for
the last seat, or a cancellation racing with a promotion, can never over-book, on SQLite or
PostgreSQL. Every operation first locks its session's row (`lock_row`), as every change to the
session does (edit, publish, complete, cancel): a session cannot be cancelled or shrunk halfway
through an enrolment. Services flush; the caller commits once."""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ecole.accounts.models import User
from ecole.accounts.services import hold_person
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.transactions import lock_row, take_write_lock
from ecole.enrolment.models import (
    ACTIVE,
    HOLDS_SEAT,
    STATUS_TITLES,
    TRANSITIONS,
    CalendarFeed,
    Enrolment,
    EnrolmentEvent,
)
from ecole.enrolment.models import EnrolmentStatus as S
from ecole.enrolment.queries import upcoming_of
from ecole.extensions import db
from ecole.sessions.models import CourseSession, SessionStatus

# Titles of this domain's audit actions (create_app gives them to core/audit.py).
ACTION_TITLES = {
    "enrolment.approve": _l("Accord d’une inscription"),
    "enrolment.reject": _l("Refus d’une inscription"),
    "enrolment.promote": _l("Passage d’une personne de la liste d’attente"),
    "enrolment.defer": _l("Demande mise sur liste d’attente"),
    "enrolment.staff_cancel": _l("Annulation d’une inscription par l’équipe"),
    "enrolment.walk_in": _l("Inscription sur place"),
    "session.cancel": _l("Annulation d’une session"),
}

_NOTIFY = "ecole.enrolment.notify"
_MAY_CONFIRM = "ecole.enrolment.may_confirm"


def init_app(app, *, notify, may_confirm) -> None:
    """Notices belong to the notifications domain, above this one: create_app gives the function
    that records them (notifications.services.notify). `may_confirm(enrolment)` raises
    EnrolmentError when a higher domain holds a confirmation back (a study trip's documents)."""
    app.extensions[_NOTIFY] = notify
    app.extensions[_MAY_CONFIRM] = may_confirm


def check_confirmation(enrolment: Enrolment) -> None:
    try:
        may_confirm = current_app.extensions[_MAY_CONFIRM]
    except KeyError:  # fails closed: nobody is confirmed past a check that is not wired
        raise RuntimeError("enrolment is not wired: create_app must call enrolment.services.init_app") from None
    may_confirm(enrolment)


def notify(user: User, kind: str, **params) -> None:
    try:
        record_notice = current_app.extensions[_NOTIFY]
    except KeyError:  # never a change of enrolment that tells nobody: refuse rather than lose the notice
        raise RuntimeError("enrolment notices are not wired: create_app must call enrolment.services.init_app") from None
    record_notice(user, kind, **params)


def status_title(code: str) -> str:
    return str(STATUS_TITLES[S(code)]) if code in {s.value for s in S} else code


class EnrolmentError(ValueError):
    """A refused enrolment operation; str(error) is a translated message."""


# --- the state machine ---------------------------------------------------------------------

def move(enrolment: Enrolment, to: S, *, actor: User | None, reason: str = "", **values) -> Enrolment:
    """Guarded transition: allowed by TRANSITIONS and applied only if nobody moved it meanwhile."""
    current = S(enrolment.status)
    if to not in TRANSITIONS[current]:
        raise EnrolmentError(_("Cette action n’est pas possible pour une inscription « %(status)s ».",
                               status=current.title))
    if to == S.CONFIRMED:
        check_confirmation(enrolment)
    now = utcnow()
    result = db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.status == current.value)
        .values(status=to.value, updated_at=now, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(enrolment)
        raise EnrolmentError(_("Cette inscription vient de changer. Rechargez la page."))
    # What the UPDATE wrote, as the loaded row's committed state: not a change to flush a second time.
    for key, value in {"status": to.value, "updated_at": now, **values}.items():
        set_committed_value(enrolment, key, value)
    db.session.add(EnrolmentEvent(enrolment_id=enrolment.id, at=now, actor_id=actor.id if actor else None,
                                  from_status=current.value, to_status=to.value, reason=reason))
    return enrolment


def _lock(enrolment: Enrolment) -> None:
    """The session's lock, then the enrolment as it is now (another request may just have moved it)."""
    lock_row(enrolment.course_session, columns_only=True)
    db.session.refresh(enrolment)


# --- seats -----------------------------------------------------------------------------------

def reserved_for_others(course_session: CourseSession, user: User) -> int:
    """Seats still held by quotas this person does not match (women, youth, an audience)."""
    quotas = [q for q in course_session.quotas if not q.matches(user, course_session.starts_at)]
    if not quotas:
        return 0
    holders = db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.session_id == course_session.id, Enrolment.status.in_([s.value for s in HOLDS_SEAT]))).all()
    return sum(max(q.seats - sum(1 for h in holders if q.matches(h, course_session.starts_at)), 0) for q in quotas)


def take_seat(course_session: CourseSession, user: User) -> bool:
    reserved = reserved_for_others(course_session, user)
    result = db.session.execute(
        update(CourseSession)
        .where(CourseSession.id == course_session.id, CourseSession.status == SessionStatus.PUBLISHED.value,
               CourseSession.seats_taken + reserved < CourseSession.capacity)
        .values(seats_taken=CourseSession.seats_taken + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def release_seat(course_session: CourseSession) -> None:
    db.session.execute(
        update(CourseSession).where(CourseSession.id == course_session.id, CourseSession.seats_taken > 0)
        .values(seats_taken=CourseSession.seats_taken - 1).execution_options(synchronize_session=False))


# --- enrolling -------------------------------------------------------------------------------

def enrol(course_session: CourseSession, user: User, *, actor: User | None, walk_in: bool = False) -> Enrolment:
    """Ask for a seat. Staff enrolling someone on the spot skip the window and the approval."""
    # The person first, as an erasure takes them (privacy/services.py: the person, then the sessions
    # whose seats it gives back): an erasure under way makes this wait, and its end is seen here.
    hold_person(user)
    lock_row(course_session, columns_only=True)
    now = utcnow()
    if not user.active:  # a deactivated account gets no enrolment and no notice, walk-in or not
        raise EnrolmentError(_("Ce compte est désactivé : la personne ne peut pas être inscrite."))
    if course_session.status != SessionStatus.PUBLISHED:
        raise EnrolmentError(_("Cette session n’est pas ouverte aux inscriptions."))
    if not walk_in and not course_session.enrolment_open(now):
        raise EnrolmentError(_("Les inscriptions à cette session ne sont pas ouvertes en ce moment."))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.session_id == course_session.id,
                                                          Enrolment.user_id == user.id))
    if enrolment is not None and enrolment.is_active:
        raise EnrolmentError(_("Cette personne est déjà inscrite à cette session."))
    if enrolment is None:
        enrolment = Enrolment(session_id=course_session.id, user_id=user.id, status=S.REQUESTED.value,
                              created_by_id=actor.id if actor else None, created_at=now, updated_at=now)
        try:
            with db.session.begin_nested():  # a double click racing with itself meets the unique key
                db.session.add(enrolment)
        except IntegrityError:
            raise EnrolmentError(_("Cette personne est déjà inscrite à cette session.")) from None
        db.session.add(EnrolmentEvent(enrolment_id=enrolment.id, at=now, actor_id=actor.id if actor else None,
                                      from_status=None,
                                      to_status=S.REQUESTED.value))
    else:
        move(enrolment, S.REQUESTED, actor=actor, cancel_reason="", offer_expires_at=None)
    if walk_in:
        record("enrolment.walk_in", enrolment, actor=actor, course_session=course_session.id, user=user.id)
    if course_session.requires_approval and not walk_in:
        notify(user, "enrolment.requested", course_session=course_session)
    else:
        place(enrolment, actor=actor)
    db.session.flush()
    return enrolment


def place(enrolment: Enrolment, *, actor: User | None) -> Enrolment:
    """A seat if one is free for this person, else the end of the waitlist."""
    course_session = enrolment.course_session
    if take_seat(course_session, enrolment.user):
        move(enrolment, S.CONFIRMED, actor=actor)
        notify(enrolment.user, "enrolment.confirmed", course_session=course_session)
    else:
        move(enrolment, S.WAITLISTED, actor=actor, waitlisted_at=utcnow())
        notify(enrolment.user, "enrolment.waitlisted", course_session=course_session, position=waitlist_position(enrolment))
    return enrolment


def approve(enrolment: Enrolment, *, actor: User) -> Enrolment:
    _lock(enrolment)
    if enrolment.status != S.REQUESTED:
        raise EnrolmentError(_("Seule une demande en attente peut être acceptée."))
    place(enrolment, actor=actor)
    record("enrolment.approve", enrolment, actor=actor, result=enrolment.status)
    db.session.flush()
    return enrolment


def defer(enrolment: Enrolment, *, actor: User) -> Enrolment:
    """A request put on the waitlist by staff (a selection: the others wait, and are offered the
    seats that free up, in their turn)."""
    _lock(enrolment)
    if enrolment.status != S.REQUESTED:
        raise EnrolmentError(_("Seule une demande en attente peut être mise sur liste d’attente."))
    move(enrolment, S.WAITLISTED, actor=actor, waitlisted_at=utcnow())
    notify(enrolment.user, "enrolment.waitlisted", course_session=enrolment.course_session,
           position=waitlist_position(enrolment))
    record("enrolment.defer", enrolment, actor=actor)
    db.session.flush()
    return enrolment


def reject(enrolment: Enrolment, reason: str, *, actor: User) -> Enrolment:
    _lock(enrolment)
    if enrolment.status != S.REQUESTED:
        raise EnrolmentError(_("Seule une demande en attente peut être refusée."))
    _require_reason(reason)
    move(enrolment, S.CANCELLED, actor=actor, reason=reason, cancel_reason=reason)
    notify(enrolment.user, "enrolment.rejected", course_session=enrolment.course_session, reason=reason)
    record("enrolment.reject", enrolment, actor=actor, reason=reason)
    db.session.flush()
    return enrolment


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise EnrolmentError(_("Donnez une raison : elle sera transmise à la personne."))


def cancel(enrolment: Enrolment, *, actor: User, reason: str = "") -> Enrolment:
    """Cancelled by the trainee (before the start) or by staff (with a reason). A freed seat is offered."""
    _lock(enrolment)
    now = utcnow()
    if enrolment.course_session.is_finished:
        raise EnrolmentError(_("Cette session est terminée : l’inscription ne peut plus être annulée."))
    if not enrolment.can_cancel(actor, now):
        raise EnrolmentError(_("Vous ne pouvez pas annuler cette inscription."))
    by_staff = actor.id != enrolment.user_id
    if by_staff:
        _require_reason(reason)
    held_seat = enrolment.status in HOLDS_SEAT
    move(enrolment, S.CANCELLED, actor=actor, reason=reason, cancel_reason=reason, offer_expires_at=None)
    if held_seat:
        release_seat(enrolment.course_session)
    if by_staff:
        notify(enrolment.user, "enrolment.cancelled", course_session=enrolment.course_session, reason=reason)
        record("enrolment.staff_cancel", enrolment, actor=actor, reason=reason)
    if held_seat:
        promote(enrolment.course_session, actor=actor)
    db.session.flush()
    return enrolment


def waitlist(course_session: CourseSession) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.session_id == course_session.id, Enrolment.status == S.WAITLISTED.value)
        .order_by(Enrolment.waitlisted_at, Enrolment.id)))


def promote(course_session: CourseSession, *, actor: User | None, now: datetime | None = None) -> list[Enrolment]:
    """Offer every free seat to the waitlist, first come first served (reserved seats to those they are for)."""
    offered = []
    if course_session.status != SessionStatus.PUBLISHED:
        return offered
    deadline = (now or utcnow()) + timedelta(hours=course_session.offer_hours)
    for candidate in waitlist(course_session):
        if not take_seat(course_session, candidate.user):
            continue
        try:
            move(candidate, S.OFFERED, actor=actor, offer_expires_at=deadline)
        except EnrolmentError:  # cancelled meanwhile: give the seat back and go on
            release_seat(course_session)
            continue
        notify(candidate.user, "enrolment.offered", course_session=course_session, deadline=deadline)
        offered.append(candidate)
    return offered


def accept_offer(enrolment: Enrolment, *, actor: User, now: datetime | None = None) -> Enrolment:
    _lock(enrolment)
    now = now or utcnow()
    if enrolment.status != S.OFFERED:
        raise EnrolmentError(_("Il n’y a pas de place proposée pour cette inscription."))
    if enrolment.offer_expires_at and now >= enrolment.offer_expires_at:
        expire_offer(enrolment, now)
        raise EnrolmentError(_("Le délai pour confirmer cette place est passé."))
    move(enrolment, S.CONFIRMED, actor=actor, offer_expires_at=None)
    notify(enrolment.user, "enrolment.confirmed", course_session=enrolment.course_session)
    db.session.flush()
    return enrolment


def expire_offer(enrolment: Enrolment, now: datetime | None = None) -> bool:
    _lock(enrolment)
    try:
        move(enrolment, S.CANCELLED, actor=None, reason="offer expired", cancel_reason="offer expired",
             offer_expires_at=None)
    except EnrolmentError:
        return False
    release_seat(enrolment.course_session)
    notify(enrolment.user, "enrolment.offer_expired", course_session=enrolment.course_session)
    promote(enrolment.course_session, actor=None, now=now)
    return True


def expire_offers(now: datetime | None = None) -> int:
    """Batch job (safe to run twice, or from two servers at once): expired offers pass to the next person."""
    take_write_lock()
    now = now or utcnow()
    due = db.session.scalars(select(Enrolment).where(Enrolment.status == S.OFFERED.value,
                                                     Enrolment.offer_expires_at <= now)).all()
    count = sum(1 for enrolment in due if expire_offer(enrolment, now))
    db.session.flush()
    return count


def staff_promote(enrolment: Enrolment, *, actor: User) -> Enrolment:
    """Staff move someone from the waitlist straight to a confirmed seat, if a seat is free."""
    _lock(enrolment)
    if enrolment.status != S.WAITLISTED:
        raise EnrolmentError(_("Seule une personne sur liste d’attente peut passer en priorité."))
    if not take_seat(enrolment.course_session, enrolment.user):
        raise EnrolmentError(_("Aucune place libre : annulez d’abord une autre inscription ou augmentez la capacité."))
    move(enrolment, S.CONFIRMED, actor=actor, reason="promoted by staff")
    notify(enrolment.user, "enrolment.confirmed", course_session=enrolment.course_session)
    record("enrolment.promote", enrolment, actor=actor)
    db.session.flush()
    return enrolment


def waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != S.WAITLISTED:
        return None
    return waitlist_positions([enrolment]).get(enrolment.id)


def waitlist_positions(enrolments: list[Enrolment]) -> dict[int, int]:
    """Positions of several waitlisted enrolments in one query, whatever the size of the lists."""
    sessions = {e.session_id for e in enrolments if e.status == S.WAITLISTED}
    if not sessions:
        return {}
    rank = func.row_number().over(partition_by=Enrolment.session_id,
                                  order_by=(Enrolment.waitlisted_at, Enrolment.id)).label("position")
    ranked = (select(Enrolment.id, rank)
              .where(Enrolment.session_id.in_(sessions), Enrolment.status == S.WAITLISTED.value).subquery())
    wanted = {e.id for e in enrolments}
    return {row.id: row.position for row in db.session.execute(select(ranked)) if row.id in wanted}


def cancel_session(course_session: CourseSession, reason: str, *, actor: User) -> int:
    """Cancel a session: every active enrolment is cancelled and its holder told why, and every seat
    freed, in one transaction that holds the session's lock (no enrolment can slip in meanwhile)."""
    lock_row(course_session, columns_only=True)
    _require_reason(reason)
    if course_session.status in (SessionStatus.CANCELLED, SessionStatus.COMPLETED):
        raise EnrolmentError(_("Cette session est déjà annulée ou terminée."))
    course_session.status, course_session.cancel_reason = SessionStatus.CANCELLED.value, reason
    count = 0
    for enrolment in db.session.scalars(select(Enrolment).where(
            Enrolment.session_id == course_session.id, Enrolment.status.in_([s.value for s in ACTIVE]))):
        move(enrolment, S.CANCELLED, actor=actor, reason=reason, cancel_reason=reason, offer_expires_at=None)
        notify(enrolment.user, "session.cancelled", course_session=course_session, reason=reason)
        count += 1
    course_session.seats_taken = 0
    record("session.cancel", course_session, actor=actor, reason=reason, enrolments=count)
    db.session.flush()
    return count


def restore(enrolment: Enrolment, *, actor: User, now: datetime | None = None) -> Enrolment:
    """Undo a trainee's own cancellation, minutes later (Enrolment.can_restore). It goes back through
    the state machine like a new request (cancelled → requested → a free seat or the waitlist), so it
    races safely with whoever took the seat meanwhile: nobody is pushed out, the person may wait."""
    take_write_lock()
    now = now or utcnow()
    if not enrolment.can_restore(actor, now):
        raise EnrolmentError(_("Cette annulation ne peut plus être défaite."))
    before = db.session.scalar(select(EnrolmentEvent.from_status).where(
        EnrolmentEvent.enrolment_id == enrolment.id, EnrolmentEvent.to_status == S.CANCELLED.value)
        .order_by(EnrolmentEvent.at.desc(), EnrolmentEvent.id.desc()).limit(1))
    move(enrolment, S.REQUESTED, actor=actor, reason="undo", cancel_reason="", offer_expires_at=None)
    if before != S.REQUESTED:  # a request still awaiting the school's approval goes back to waiting
        place(enrolment, actor=actor)
    db.session.flush()
    return enrolment


# --- erasure on request (ecole/privacy/ composes it) -------------------------------------------

def cancel_upcoming(user: User, *, actor: User, reason: str) -> int:
    """A person erased on request gives back the seats and requests they hold in sessions that have not
    begun (the next person on the waitlist is offered the seat). Sessions under way or over keep their
    enrolment: the attendance and results the funders count rest on it. Returns how many were cancelled."""
    upcoming = db.session.scalars(upcoming_of(user, utcnow())).all()
    for enrolment in upcoming:
        cancel(enrolment, actor=actor, reason=reason)
    return len(upcoming)


def forget_reasons(user: User) -> None:
    """A person erased on request: the texts staff wrote about their enrolments (cancellation reasons,
    the reasons of their moves) are emptied and their calendar feed (a secret address) goes. The
    enrolments and their moves stay: seats, attendance and the funders' counts rest on them."""
    options = {"synchronize_session": False}
    db.session.execute(update(Enrolment).where(Enrolment.user_id == user.id).values(cancel_reason=""),
                       execution_options=options)
    db.session.execute(update(EnrolmentEvent).where(EnrolmentEvent.enrolment_id.in_(
        select(Enrolment.id).where(Enrolment.user_id == user.id))).values(reason=""), execution_options=options)
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
