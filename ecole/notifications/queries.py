"""Reads of notices that pages share."""
from sqlalchemy import distinct, false, func, select

from ecole.accounts.models import Role, User
from ecole.extensions import db
from ecole.notifications.models import Notification
from ecole.sessions.queries import teaches


def notices_of(user: User):
    """A person's notices, newest first."""
    return select(Notification).where(Notification.user_id == user.id).order_by(
        Notification.created_at.desc(), Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def _waiting_calls(teacher: User | None):
    """Notices to people without e-mail not yet phoned about: every one, or those about the
    sessions `teacher` teaches (the trainer's scope, from the sessions domain)."""
    query = select(Notification).where(Notification.needs_call.is_(True), Notification.called_at.is_(None))
    if teacher is not None:
        query = query.where(Notification.subject_type == "session", teaches(teacher, Notification.subject_id))
    return query


def calls_for(user: User):
    """The notices `user` must phone about, oldest first: every one for an administrator, those
    about the sessions they teach for a trainer, and none for anyone else (the rule fails closed)."""
    if user.is_admin:
        query = _waiting_calls(None)
    elif user.has_role(Role.TRAINER):
        query = _waiting_calls(user)
    else:
        query = select(Notification).where(false())
    return query.order_by(Notification.created_at, Notification.id)


def people_to_call(*, teacher: User | None = None) -> int:
    """How many people staff must still phone: everyone for administrators; for a trainer, the
    people of the sessions they teach (as the call list shows them)."""
    waiting = _waiting_calls(teacher).subquery()
    return db.session.scalar(select(func.count(distinct(waiting.c.user_id)))) or 0
