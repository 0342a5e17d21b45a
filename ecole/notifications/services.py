"""Creating notices, rendering them in the recipient's language, e-mailing them after commit."""
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.exc import DBAPIError

from ecole.accounts.models import User
from ecole.core.mail import send_mail
from ecole.core.models import utcnow
from ecole.extensions import db
from ecole.i18n import format_when
from ecole.notifications.models import Notification

MESSAGES = {
    "enrolment.requested": _l("Votre demande d’inscription à « %(course)s » (%(when)s, %(place)s) est reçue. "
                              "L’équipe de l’école va l’examiner."),
    "enrolment.confirmed": _l("Votre place à « %(course)s » est confirmée : %(when)s, %(place)s."),
    "enrolment.waitlisted": _l("« %(course)s » est complet : vous êtes sur la liste d’attente (n° %(position)s). "
                               "Nous vous préviendrons si une place se libère."),
    "enrolment.offered": _l("Une place s’est libérée à « %(course)s » (%(when)s, %(place)s). Confirmez-la avant le "
                            "%(deadline)s dans « Mes formations »."),
    "enrolment.offer_expired": _l("Le délai pour confirmer votre place à « %(course)s » est passé : elle a été "
                                  "proposée à la personne suivante. Vous pouvez vous inscrire de nouveau."),
    "enrolment.rejected": _l("Votre demande d’inscription à « %(course)s » n’a pas été acceptée : %(reason)s"),
    "enrolment.cancelled": _l("Votre inscription à « %(course)s » a été annulée par l’école : %(reason)s"),
    "session.cancelled": _l("La session de « %(course)s » (%(when)s, %(place)s) est annulée : %(reason)s"),
}
SUBJECT = _l("École : des nouvelles de votre formation")

# subject type → function(ids, lang) → {id: {"course": …, "when": …, "place": …}} (sessions register theirs)
SUBJECT_CONTEXT: dict = {}
_PENDING_KEY = "ecole_pending_mail"
_READY_KEY = "ecole_ready_mail"


def notify(user: User, kind: str, *, session=None, **params) -> Notification:
    """Record a notice for `user`; it is e-mailed after the commit when the person has an address."""
    clean = {key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in params.items()}
    notification = Notification(
        user_id=user.id, kind=kind, params=clean, created_at=utcnow(),
        subject_type="session" if session is not None else "", subject_id=session.id if session is not None else None,
        needs_call=not user.email,
    )
    db.session.add(notification)
    if user.email:
        db.session.info.setdefault(_PENDING_KEY, []).append(notification)
    return notification


def render(notifications: list[Notification], lang: str) -> dict[int, str]:
    """The text of each notice in `lang`, with one query per subject type whatever their number."""
    contexts: dict[tuple[str, int], dict] = {}
    by_type: dict[str, set[int]] = {}
    for n in notifications:
        if n.subject_type and n.subject_id is not None:
            by_type.setdefault(n.subject_type, set()).add(n.subject_id)
    with force_locale(lang):
        for subject_type, ids in by_type.items():
            for subject_id, context in SUBJECT_CONTEXT[subject_type](ids, lang).items():
                contexts[(subject_type, subject_id)] = context
        texts = {}
        for n in notifications:
            values = {"course": "", "when": "", "place": "", "reason": "", "position": "", "deadline": ""}
            values.update(contexts.get((n.subject_type, n.subject_id), {}))
            values.update({k: v for k, v in n.params.items() if k != "deadline"})
            if n.params.get("deadline"):
                values["deadline"] = format_when(datetime.fromisoformat(n.params["deadline"]))
            if values.get("reason") == "offer expired":
                values["reason"] = _("le délai pour confirmer est passé")
            template = MESSAGES.get(n.kind)
            texts[n.id] = str(template) % values if template is not None else n.kind
    return texts


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()).execution_options(synchronize_session=False))


def mark_called(notification: Notification, *, actor: User) -> None:
    if notification.called_at is None:
        notification.called_at, notification.called_by_id = utcnow(), actor.id
        db.session.flush()


def _after_commit(session) -> None:
    # Only committed notices are sent: one whose transaction (or savepoint) was rolled back is
    # no longer persistent, so a cancelled enrolment e-mails nobody.
    pending = session.info.pop(_PENDING_KEY, [])
    committed = [n for n in pending if inspect(n).persistent]
    if committed:
        session.info.setdefault(_READY_KEY, []).extend(committed)


def init_app(app) -> None:
    """Collect the notices each commit makes; `create_app` has them delivered after each view
    (ecole/core/transactions.py: once, even when the database made the view run again)."""
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)


def deliver_pending() -> int:
    """E-mail the notices committed since the last call, each in its recipient's language."""
    ready = db.session.info.pop(_READY_KEY, [])
    ids = [n.id for n in ready if n.id is not None]
    if not ids:
        return 0
    notifications = db.session.scalars(select(Notification).where(Notification.id.in_(ids),
                                                                  Notification.emailed_at.is_(None))).all()
    sent = []
    for notification in notifications:
        user = notification.user
        text = render([notification], user.locale)[notification.id]
        with force_locale(user.locale):
            subject = str(SUBJECT)
        if send_mail(user.email, subject, text + "\n\n" + current_app.config["BASE_URL"] + "/me/training"):
            sent.append(notification.id)
    if sent:
        try:
            db.session.execute(update(Notification).where(Notification.id.in_(sent)).values(emailed_at=utcnow())
                               .execution_options(synchronize_session=False))
            db.session.commit()
        except DBAPIError:
            # The mail is out and the person's change committed: a missing stamp must not turn
            # their request into an error page (nothing sends a notice twice: its id left the list).
            db.session.rollback()
            current_app.logger.warning("notices %s e-mailed but not stamped", sent, exc_info=True)
    return len(sent)
