"""A person's rights over their data (Morocco's law 09-08): their download, audited, and their erasure
on request by an administrator.

Erasure keeps only what the school must keep, each domain erasing its own part (its services):
- kept, anonymised: the account row with gender, birth year, commune, audience and the disability value
  alone (what the funders' indicators disaggregate by: their counts do not change), and the enrolments,
  attendance marks, results and assessments the figures rest on; issued certificates, marked as
  belonging to an erased holder (code, course, dates, hours, SHA-256; no names, no stored PDF);
- removed: names in every script, phone, e-mail, password, one-time codes, organisation, roles, the
  Washington Group answers, every session and remember cookie (the account cannot sign in again, and
  its phone and e-mail are free for a new account), the calendar feed, lessons done, notices (and the
  notices that named them to staff), what they wrote (motivations, trip report entries), what staff
  wrote about them (reasons, assessment comments), trip documents and their files, every photo they
  appear in, the exports made with names; and their names, phone and e-mail wherever the audit log or
  a reason, a note or someone's writing quoted them (FREE_TEXTS).
Seats and requests in sessions that have not begun are cancelled (the waitlist moves on).

The person's row is locked first: two erasures at once (a double submit) erase once and write one audit
entry. The entry names the account by its id; its reason may not quote the person's names or contacts.

An erasure outlives the backups taken before it. Once committed it is written to the erasures' ledger,
a stored file per person under ledger/erasures/ (core/backup.py: a restore keeps those files as they
are): the account's id and creation time, when, by whom and why; no name. After a restore the ledger's
erasures that the restored database does not hold yet are made again (reapply_erasures), for the
accounts whose id and creation time match (a ledger from another database erases nobody). The backup
command first writes the entries a process stopped between the commit and the ledger did not
(write_ledger)."""
import json
from datetime import datetime, timezone

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ecole.accounts import services as accounts
from ecole.accounts.models import Role, User, UserRole
from ecole.admin.audit import AuditFilters, audit_query
from ecole.attendance import services as attendance
from ecole.attendance.models import Assessment, RegisterEvent
from ecole.catalogue import services as catalogue
from ecole.certificates import services as certificates
from ecole.certificates.models import Certificate
from ecole.core.audit import AuditEntry, record
from ecole.core.backup import LEDGER
from ecole.core.models import utcnow
from ecole.core.sql import contains, json_mentions
from ecole.core.storage import get_storage, put_after_commit
from ecole.core.transactions import lock_row
from ecole.enrolment import services as enrolment
from ecole.enrolment.models import Enrolment, EnrolmentEvent
from ecole.extensions import db
from ecole.notifications import services as notifications
from ecole.privacy.queries import mentions
from ecole.reports import services as reports
from ecole.sessions.models import CourseSession, Meeting
from ecole.trips import services as trips
from ecole.trips.models import ReportEntry, ReportPhoto, TripApplication

ACTION_TITLES = {
    "privacy.download": _l("Données personnelles téléchargées"),
    "privacy.erase": _l("Données personnelles effacées à la demande de la personne"),
}
DOWNLOAD_FORMATS = ("json", "pdf")
REASON_MAX = 1000
# In the audit entries about an erased person, what staff wrote about them is emptied.
FREE_TEXT_DETAILS = ("reason", "from_comment", "to_comment")
# Texts people write about a session, someone's enrolment or a trip, where an erased person may be
# named: their names, phone and e-mail are taken out of them (the rest of each text stays).
FREE_TEXTS = (Meeting.cancel_reason, CourseSession.notes, CourseSession.cancel_reason, Enrolment.cancel_reason,
              EnrolmentEvent.reason, RegisterEvent.reason, Assessment.comment, TripApplication.motivation,
              ReportEntry.learnt, ReportEntry.replicate, ReportPhoto.caption, Certificate.revoke_reason,
              Certificate.supersede_reason)
LEFT_OUT = "…"
ERASURES = LEDGER + "erasures/"


class PrivacyError(ValueError):
    """A refused erasure or download; str(error) is a translated message."""


def record_download(person: User, fmt: str, *, actor: User) -> None:
    """A download of a person's data, by themself or by an administrator: who, when, which format."""
    if fmt not in DOWNLOAD_FORMATS:
        raise PrivacyError(_("Format inconnu : choisissez JSON ou PDF."))
    if not person.can_manage_account(actor):
        raise PrivacyError(_("Seuls la personne et les administrateurs peuvent télécharger ces données."))
    record("privacy.download", person, actor=actor, format=fmt)
    db.session.flush()


def erase_person(person: User, reason: str, *, actor: User) -> bool:
    """Erase `person` on request (see the module's docstring for what goes and what stays). True when
    erased now; False when they already were (a second submit), which changes nothing."""
    reason = (reason or "").strip()
    if not actor.is_admin:
        raise PrivacyError(_("Seuls les administrateurs peuvent effacer une personne."))
    if person.id == actor.id:
        raise PrivacyError(_("Vous ne pouvez pas effacer votre propre compte."))
    if not reason:
        raise PrivacyError(_("Donnez la raison de l’effacement (la demande de la personne et sa date)."))
    if len(reason) > REASON_MAX:
        raise PrivacyError(_("La raison est trop longue (%(max)d caractères au plus).", max=REASON_MAX))
    lock_row(person)
    if person.erased_at is not None:
        return False
    words = mentions(person)
    folded = reason.casefold()
    if any(word.casefold() in folded for word in words):
        raise PrivacyError(_("La raison ne doit citer ni le nom, ni le téléphone, ni l’e-mail de la personne : "
                             "le journal d’audit la garde."))
    if person.is_admin and not _other_admins(person):
        raise PrivacyError(_("C’est le dernier administrateur : nommez-en un autre avant de l’effacer."))
    _erase(person, words, reason, actor=actor)
    return True


def _erase(person: User, words: list[str], reason: str, *, actor: User, at: datetime | None = None,
           **details) -> None:
    """The erasure itself, its row locked and its checks made, dated `at` (now, unless it is made again
    after a restore); in the ledger once committed."""
    now = at or utcnow()
    scrub_audit(person, words)
    take_out_of_texts(words)
    certificates.erase_holder(person, now=now)
    trips.erase_participant(person)
    accounts.erase_account(person, now=now)
    enrolment.cancel_upcoming(person, actor=actor, reason=_("Données effacées à la demande de la personne."))
    enrolment.forget_reasons(person)
    attendance.forget_texts(person)
    catalogue.forget_progress(person)
    notifications.forget_person(person, words)
    reports.discard_named_exports()
    record("privacy.erase", person, actor=actor, reason=reason, **details)
    db.session.flush()
    put_after_commit(db.session(), _ledger_key(person.id), _ledger_entry(person, now, actor.id, reason))


# --- the erasures' ledger (see the module's docstring) --------------------------------------------

def _ledger_key(user_id: int) -> str:
    return f"{ERASURES}{user_id}.json"


def _ledger_entry(person: User, erased_at: datetime, by: int | None, reason: str) -> bytes:
    return json.dumps({"user": person.id, "account_created_at": person.created_at.isoformat(),
                       "erased_at": erased_at.isoformat(), "by": by, "reason": reason}).encode()


def _ledger() -> dict[int, dict]:
    """The ledger's entries that can be read, by account id (an unreadable one is logged and left)."""
    entries = {}
    for key in get_storage().keys(ERASURES):
        try:
            entry = json.loads(get_storage().get(key))
            if not isinstance(entry, dict) or _row_id(entry.get("user")) is None:
                raise ValueError("no account id")
            entries[entry["user"]] = entry
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            current_app.logger.error("erasures' ledger: %s cannot be read: %s", key, error)
    return entries


def _row_id(value) -> int | None:
    """An id as the ledger holds it: an integer a database's id column can hold, else None."""
    return value if type(value) is int and 0 < value < 2 ** 31 else None


def _moment(entry: dict, name: str) -> datetime | None:
    """One of an entry's dates ("account_created_at", "erased_at"), in UTC; None if it cannot be read."""
    try:
        when = datetime.fromisoformat(entry[name])
    except (ValueError, KeyError, TypeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def write_ledger() -> int:
    """The ledger's entries the database's erasures lack (a process stopped between an erasure's
    commit and its entry); how many were written. Idempotent; writes nothing to the database."""
    missing = set(db.session.scalars(select(User.id).where(User.erased_at.is_not(None)))) - set(_ledger())
    for person in db.session.scalars(select(User).where(User.id.in_(missing))) if missing else ():
        last = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "privacy.erase", AuditEntry.target_type == "User",
            AuditEntry.target_id == str(person.id)).order_by(AuditEntry.id.desc()).limit(1))
        get_storage().put(_ledger_key(person.id), _ledger_entry(
            person, person.erased_at, last.actor_id if last else None, (last.details or {}).get("reason", "") if last else ""))
    return len(missing)


def reapply_erasures(*, archive: str) -> list[int]:
    """After a restore: the ledger's erasures the restored database does not hold, made again (in the
    caller's transaction), by their administrator if the database has them, else by the first one;
    each audited with its first date and the archive's name. Returns the accounts erased."""
    erased = []
    for user_id, entry in sorted(_ledger().items()):
        person = db.session.get(User, user_id)
        if person is None or person.erased_at is not None or person.created_at != _moment(entry, "account_created_at"):
            continue  # not in this database (or another person under that id), or erased already
        lock_row(person)
        if person.erased_at is not None:
            continue
        by = db.session.get(User, _row_id(entry.get("by")) or 0)
        actor = by if by is not None and by.is_admin and by.id != person.id else _first_admin(person)
        if actor is None:
            raise PrivacyError(_("Aucun administrateur pour effacer de nouveau la personne n° %(id)s : créez-en un, "
                                 "puis restaurez encore.", id=person.id))
        first = _moment(entry, "erased_at")
        _erase(person, mentions(person), str(entry.get("reason") or ""), actor=actor, at=first,
               erased_at=first.isoformat() if first else "", again_after_restore=archive)
        erased.append(person.id)
    db.session.flush()
    return erased


def _first_admin(person: User) -> User | None:
    return db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.ADMIN.value, User.id != person.id, User.active.is_(True),
        User.erased_at.is_(None)).order_by(User.id).limit(1))


def _other_admins(person: User) -> int:
    return db.session.scalar(select(func.count()).select_from(UserRole).join(User, User.id == UserRole.user_id).where(
        UserRole.role == Role.ADMIN.value, UserRole.user_id != person.id, User.active.is_(True),
        User.erased_at.is_(None)))


def scrub_audit(person: User, words: list[str]) -> None:
    """The audit log keeps what was done and by whom, not the erased person's names or contacts: in the
    entries about them (their account, their enrolments) what staff wrote is emptied, and wherever an
    entry quotes one of `words`, the words are taken out."""
    about = set(db.session.scalars(audit_query(AuditFilters(person=person.id))))
    quoting = set(db.session.scalars(select(AuditEntry).where(or_(*(json_mentions(AuditEntry.details, word)
                                                                    for word in words))))) if words else set()
    for entry in about | quoting:
        entry.details = _scrubbed(entry.details or {}, words, free_text=entry in about)


def take_out_of_texts(words: list[str]) -> None:
    """The erased person's names, phone and e-mail taken out of every text of FREE_TEXTS that quotes them."""
    for column in FREE_TEXTS:
        for word in words:
            db.session.execute(update(column.class_).where(contains(column, word))
                               .values({column.key: func.replace(column, word, LEFT_OUT)}),
                               execution_options={"synchronize_session": False})


def _scrubbed(details: dict, words: list[str], *, free_text: bool) -> dict:
    def clean(value):
        if isinstance(value, str):
            for word in words:
                value = value.replace(word, LEFT_OUT)
            return value
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return {key: "" if free_text and key in FREE_TEXT_DETAILS and isinstance(value, str) else clean(value)
            for key, value in details.items()}
