"""Creating notices, rendering them in the recipient's language, e-mailing them through a job
(the "deliver_notice" kind, after the commit that recorded them: once, whatever the retries)."""
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from ecole.accounts.models import User
from ecole.core.mail import send_mail
from ecole.core.models import utcnow
from ecole.core.sql import json_mentions
from ecole.core.transactions import take_write_lock
from ecole.extensions import db
from ecole.i18n import format_when
from ecole.jobs import enqueue
from ecole.jobs.mail import MailNotSent, message_id
from ecole.notifications.models import Notification
from ecole.sessions.queries import session_context

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
    "attendance.streak": _l("Vous avez manqué les dernières séances de « %(course)s ». Si quelque chose vous "
                            "empêche de venir, dites-le à votre formateur : l’école peut vous aider."),
    "attendance.out_of_reach": _l("Avec les absences notées, vous ne pouvez plus atteindre la présence demandée pour "
                                  "terminer « %(course)s ». Parlez-en à votre formateur."),
    "attendance.trainer_streak": _l("%(name)s a manqué les dernières séances de « %(course)s » (%(count)s de suite). "
                                    "Appelez cette personne : elle est sur votre liste d’appels."),
    "attendance.trainer_out_of_reach": _l("%(name)s ne peut plus atteindre la présence demandée pour terminer "
                                          "« %(course)s ». Appelez cette personne : elle est sur votre liste "
                                          "d’appels."),
}
SUBJECT = _l("École : des nouvelles de votre formation")

# What a notice is about → function(ids, lang) → {id: {"course": …, "when": …, "place": …}}.
SUBJECT_CONTEXT = {"session": session_context}
DELIVER_KIND = "deliver_notice"


def notify(user: User, kind: str, *, course_session=None, call: bool | None = None, **params) -> Notification:
    """Record a notice for `user`. When the person has an e-mail address, a job e-mails it once the
    transaction commits (nothing is sent for a notice whose transaction is rolled back). Staff phone
    the people without e-mail about their notices; `call=True` puts the person on the call list
    whatever their address (repeated absences), `call=False` never (a notice to staff)."""
    clean = {key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in params.items()}
    notification = Notification(
        user_id=user.id, kind=kind, params=clean, created_at=utcnow(),
        subject_type="session" if course_session is not None else "", subject_id=course_session.id if course_session is not None else None,
        needs_call=(not user.email) if call is None else call,
    )
    db.session.add(notification)
    if user.email:
        db.session.flush()  # the notice's id names its delivery
        enqueue(DELIVER_KIND, {"notification": notification.id}, key=f"notice:{notification.id}")
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
            values = {"course": "", "when": "", "place": "", "reason": "", "position": "", "deadline": "",
                      "name": "", "count": ""}
            values.update(contexts.get((n.subject_type, n.subject_id), {}))
            values.update({k: v for k, v in n.params.items() if k != "deadline"})
            if n.params.get("deadline"):
                values["deadline"] = format_when(datetime.fromisoformat(n.params["deadline"]))
            if values.get("reason") == "offer expired":
                values["reason"] = _("le délai pour confirmer est passé")
            template = MESSAGES.get(n.kind)
            texts[n.id] = str(template) % values if template is not None else n.kind
    return texts


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()).execution_options(synchronize_session=False))


def mark_called(notification: Notification, *, actor: User) -> None:
    if notification.called_at is None:
        notification.called_at, notification.called_by_id = utcnow(), actor.id
        db.session.flush()


def deliver_notice_job(payload: dict, job) -> None:
    """Handler of the "deliver_notice" job: e-mail one notice in its recipient's language and stamp
    it, in the transaction that marks the job done (a job run again after that sends nothing)."""
    notification = db.session.get(Notification, payload["notification"])
    if notification is None or notification.emailed_at is not None:
        return
    user = notification.user
    if not user.email or not user.active:
        return
    text = render([notification], user.locale)[notification.id]
    with force_locale(user.locale):
        subject = str(SUBJECT)
    body = text + "\n\n" + current_app.config["BASE_URL"].rstrip("/") + "/me/training"
    if not send_mail(user.email, subject, body, headers={"Message-ID": message_id(job.key)}) \
            and current_app.config.get("MAIL_SERVER"):
        raise MailNotSent(f"notice {notification.id} not accepted by {current_app.config['MAIL_SERVER']}")
    take_write_lock()  # the stamp is written from a fresh snapshot, whatever others wrote while the mail left
    notification.emailed_at = utcnow()


def forget_person(user: User, words: list[str]) -> int:
    """A person erased on request: the notices sent to them go, and so do the notices that name them to
    someone else (a trainer's "X missed the last meetings"): `words` are their names as they were.
    Returns how many notices naming them to others went."""
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    if not words:
        return 0
    naming = [notice for notice in db.session.scalars(select(Notification).where(
        or_(*(json_mentions(Notification.params, word) for word in words))))
        if any(isinstance(value, str) and word in value for value in notice.params.values() for word in words)]
    for notice in naming:
        db.session.delete(notice)
    db.session.flush()
    return len(naming)
