"""The audit log as administrators read it: filters from an allow-list of query parameters, and
each entry's subject and details shown by name, translated, with a link where a page exists.

Entries store only a type and an id (`User 3`) and raw details (`before=["trainee"]`): naming
them is done here, for a whole page at once, in a fixed number of queries (one per kind of thing
named), never one per entry."""
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, cast, or_

from ecole.accounts.models import AUDIENCE_TITLES, ROLE_TITLES, Role, User, erased_name
from ecole.attendance.models import MARK_TITLES
from ecole.catalogue.models import Course, CourseText, Theme, pick
from ecole.certificates.models import STATUS_TITLES
from ecole.core.audit import AuditEntry, action_title, action_titles
from ecole.core.sql import contains
from ecole.core.timezone import school_zone
from ecole.enrolment.models import Enrolment
from ecole.enrolment.services import status_title
from ecole.extensions import db
from ecole.i18n import LANGUAGE_NAMES, format_date, format_list, format_number, format_when
from ecole.reports.exports import SHEET_TITLES
from ecole.sessions.models import CourseSession, Venue
from ecole.trips.models import DOCUMENT_STATUS_TITLES, DOCUMENT_TITLES

MAX_QUERY = 100
SYSTEM = "system"  # the `actor` filter's value for entries written without a person (first administrator…)

# What a `target_type` is: said for an entry whose subject has no page of its own or no longer exists.
TYPE_TITLES = {
    "User": _l("Compte"),
    "CourseSession": _l("Session"),
    "Enrolment": _l("Inscription"),
    "Course": _l("Formation"),
    "Theme": _l("Thème"),
    "Trip": _l("Voyage d’étude"),
    "Register": _l("Registre de présence"),
    "Scan": _l("Scan"),
    "ScanPage": _l("Page scannée"),
    "MarkReview": _l("Marque à vérifier"),
    "Certificate": _l("Certificat"),
    "CertificateAsset": _l("Logo ou signature des certificats"),
    "Programme": _l("Programme"),
    "ReportExport": _l("Export du rapport"),
}
# Entries about a whole area (`record(action, "backups", …)`): what the area is.
AREA_TITLES = {
    "backup": _l("Sauvegardes"),
    "certificates": _l("Certificats"),
    "reports": _l("Rapports"),
}
# The profile fields an administrator or the person may change (`fields` of "user.update").
FIELD_TITLES = {
    "name_latin": _l("Nom en caractères latins"),
    "name_arabic": _l("Nom en caractères arabes"),
    "name_tifinagh": _l("Nom en tifinagh"),
    "phone": _l("Téléphone"),
    "email": _l("E-mail"),
    "gender": _l("Genre"),
    "birth_year": _l("Année de naissance"),
    "commune": _l("Commune"),
    "audience": _l("Public"),
    "organisation": _l("Organisation"),
    "locale": _l("Langue préférée"),
}

# Every other detail an entry may hold (each keyword of the `record(…)` calls, the backups' entries, the
# exports' filters: tests/admin/test_audit_details.py finds them in the code), with its title; _shown
# says its value in the reader's words.
DETAIL_TITLES = {
    "amount": _l("Montant"),
    "archive": _l("Archive"),
    "audience": _l("Public"),
    "command": _l("Commande"),
    "commune": _l("Commune"),
    "completed": _l("Ont achevé la formation"),
    "contact": _l("Contact d’urgence"),
    "created_at": _l("Sauvegarde du"),
    "dialect": _l("Base de données"),
    "enrolment": _l("Inscription"),
    "erased_at": _l("Effacement du"),
    "again_after_restore": _l("Effacement refait après la restauration de"),
    "file": _l("Fichier"),
    "files": _l("Fichiers"),
    "format": _l("Format"),
    "from": _l("Du"),
    "to": _l("Au"),
    "from_comment": _l("Commentaire avant"),
    "to_comment": _l("Commentaire après"),
    "from_passed": _l("Réussite avant"),
    "to_passed": _l("Réussite après"),
    "from_score": _l("Note avant"),
    "to_score": _l("Note après"),
    "funder": _l("Financeur"),
    "kind": _l("Type"),
    "lang": _l("Langue"),
    "meeting": _l("Séance"),
    "missing_files": _l("Fichiers manquants"),
    "name": _l("Nom"),
    "pages": _l("Pages"),
    "photo": _l("Photo"),
    "place": _l("Lieu"),
    "programme": _l("Programme"),
    "replaces": _l("Remplace"),
    "results": _l("Résultats rouverts"),
    "revision": _l("Révision du schéma"),
    "rows": _l("Lignes"),
    "scan": _l("Scan"),
    "seats": _l("Places"),
    "status": _l("État"),
    "stop": _l("Étape"),
    "table": _l("Tableau"),
    "text": _l("Recherche"),
    "total": _l("Résultats validés"),
    "unread": _l("Pages non lues"),
    "vehicle": _l("Véhicule"),
    "with_names": _l("Avec les noms"),
}
# Details that name people or sessions by their id: shown as links, by name.
PERSON_DETAILS = {"user": _l("Personne"), "person": _l("Personne"), "people": _l("Personnes sur la photo")}
SESSION_DETAILS = {"session": _l("Session"), "session_id": _l("Session"), "course_session": _l("Session"),
                   "added": _l("Sessions ajoutées"), "removed": _l("Sessions retirées")}  # a programme's
# Details whose value is the number of a row that has no page of its own.
NUMBERED_DETAILS = {"contact", "enrolment", "meeting", "photo", "programme", "scan", "stop", "vehicle"}


# --- filters ---------------------------------------------------------------------------------

@dataclass
class AuditFilters:
    """The filters of the audit log. Only these parameters are read; unknown or malformed values
    are dropped (a malformed date with a message), never passed on."""

    action: str = ""
    actor: str = ""      # a user id, or SYSTEM
    person: int | None = None  # entries about this person (from a person's page)
    q: str = ""          # entries about a person, course, session commune or theme matching the text
    date_from: date | None = None
    date_to: date | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        filters = cls()
        action = (args.get("action") or "").strip()
        filters.action = action if action in action_titles() else ""
        actor = (args.get("actor") or "").strip()
        filters.actor = actor if actor == SYSTEM or _small_id(actor) else ""
        person = (args.get("person") or "").strip()
        filters.person = int(person) if _small_id(person) else None
        filters.q = (args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY]
        filters.date_from = filters._date(args.get("from"))
        filters.date_to = filters._date(args.get("to"))
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            filters.problems.append(_("La date de début est après la date de fin : les dates sont ignorées."))
            filters.date_from = filters.date_to = None
        return filters

    def _date(self, raw: str | None) -> date | None:
        raw = (raw or "").strip()
        if not raw:
            return None
        try:
            value = date.fromisoformat(raw[:10]) if len(raw) == 10 else None
        except ValueError:
            value = None
        # The first and last days Python can turn into a range of instants are refused with the rest.
        if value is None or not date(1900, 1, 1) <= value <= date(9998, 12, 31):
            self.problems.append(_("Date invalide : %(value)s (écrivez-la comme 2026-03-31).", value=raw[:20]))
            return None
        return value

    @property
    def active(self) -> bool:
        return bool(self.action or self.actor or self.person or self.q or self.date_from or self.date_to)

    def as_args(self) -> dict:
        """The query parameters that give these filters back (for pager links)."""
        args = {"action": self.action, "actor": self.actor, "person": self.person, "q": self.q,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in args.items() if value}


def _small_id(raw: str) -> bool:
    # Ids fit in a 32-bit integer on every database: larger ones cannot exist and must not reach SQL.
    return raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=school_zone())


def _ids(query):
    """A select of ids as the strings `AuditEntry.target_id` holds."""
    return query.with_only_columns(cast(query.selected_columns[0], String))


def _about_people(user_ids):
    return or_(
        (AuditEntry.target_type == "User") & AuditEntry.target_id.in_(_ids(user_ids)),
        (AuditEntry.target_type == "Enrolment") & AuditEntry.target_id.in_(
            _ids(db.select(Enrolment.id).where(Enrolment.user_id.in_(user_ids)))),
    )


def _about_text(q: str):
    def matches(column):
        return contains(column, q, ignore_case=True)

    people = db.select(User.id).where(or_(
        matches(User.name_latin), matches(User.name_arabic), matches(User.name_tifinagh),
        matches(User.email), matches(User.phone)))
    courses = db.select(Course.id).where(or_(
        matches(Course.slug), Course.id.in_(db.select(CourseText.course_id).where(matches(CourseText.title)))))
    sessions = db.select(CourseSession.id).where(or_(
        CourseSession.course_id.in_(courses),
        CourseSession.venue_id.in_(db.select(Venue.id).where(matches(Venue.commune)))))
    themes = db.select(Theme.id).where(or_(matches(Theme.code), matches(Theme.title_fr), matches(Theme.title_ar),
                                           matches(Theme.title_zgh)))
    return or_(
        _about_people(people),
        (AuditEntry.target_type == "Course") & AuditEntry.target_id.in_(_ids(courses)),
        (AuditEntry.target_type == "CourseSession") & AuditEntry.target_id.in_(_ids(sessions)),
        (AuditEntry.target_type == "Enrolment") & AuditEntry.target_id.in_(
            _ids(db.select(Enrolment.id).where(Enrolment.session_id.in_(sessions)))),
        (AuditEntry.target_type == "Theme") & AuditEntry.target_id.in_(_ids(themes)),
    )


def audit_query(filters: AuditFilters):
    """The entries matching `filters`, newest first, each with its actor (one query per page)."""
    query = db.select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor == SYSTEM:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif filters.actor:
        query = query.where(AuditEntry.actor_id == int(filters.actor))
    if filters.person:
        query = query.where(_about_people(db.select(User.id).where(User.id == filters.person)))
    if filters.q:
        query = query.where(_about_text(filters.q))
    if filters.date_from:
        query = query.where(AuditEntry.at >= _local_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.at < _local_midnight(filters.date_to + timedelta(days=1)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def actor_choices() -> list[tuple[str, str]]:
    """Everyone who has written to the log (a handful of staff), for the `actor` filter: one query."""
    rows = db.session.execute(
        db.select(User.id, User.name_latin, User.erased_at).where(
            User.id.in_(db.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()))
        .order_by(User.name_latin, User.id)
    ).all()
    return [(str(row.id), erased_name(row.id) if row.erased_at else row.name_latin) for row in rows]


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, action_title(code)) for code in action_titles()), key=lambda choice: choice[1].casefold())


def person_name(user_id: int | None, lang: str) -> str | None:
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    return user.display_name(lang) if user else None


# --- naming what entries are about --------------------------------------------------------------

@dataclass
class Link:
    text: str
    url: str | None = None


@dataclass
class Detail:
    label: str
    values: list[Link]


@dataclass
class Row:
    entry: AuditEntry
    action: str
    actor: Link
    subject: list[Link]
    details: list[Detail]


class _Names:
    """Names of everything a page of entries mentions, loaded with one query per kind."""

    def __init__(self, entries: list[AuditEntry], lang: str):
        self.lang = lang
        wanted: dict[str, set[int]] = {kind: set() for kind in TYPE_TITLES}
        course_slugs: set[str] = set()
        for entry in entries:
            if entry.target_type in wanted and entry.target_id.isdigit():
                # A study trip's id is its session's.
                wanted["CourseSession" if entry.target_type == "Trip" else entry.target_type].add(int(entry.target_id))
            details = entry.details or {}
            for keys, kind in ((PERSON_DETAILS, "User"), (SESSION_DETAILS, "CourseSession")):
                for key in keys:
                    value = details.get(key)
                    wanted[kind].update(one for one in map(_number, value if isinstance(value, list) else [value])
                                        if one is not None)
            for key in ("created", "updated"):
                if isinstance(details.get(key), list):
                    course_slugs.update(slug for slug in details[key] if isinstance(slug, str))

        self.enrolments = {}
        if wanted["Enrolment"]:
            for row in db.session.execute(db.select(Enrolment.id, Enrolment.user_id, Enrolment.session_id)
                                          .where(Enrolment.id.in_(wanted["Enrolment"]))):
                self.enrolments[row.id] = (row.user_id, row.session_id)
                wanted["User"].add(row.user_id)
                wanted["CourseSession"].add(row.session_id)

        self.users = {}
        if wanted["User"]:
            for row in db.session.execute(db.select(User.id, User.name_latin, User.name_arabic, User.name_tifinagh,
                                                    User.erased_at).where(User.id.in_(wanted["User"]))):
                # The same rule as User.display_name, on the columns alone (no roles loaded).
                name = {"ar": row.name_arabic, "zgh": row.name_tifinagh}.get(lang) or row.name_latin
                self.users[row.id] = erased_name(row.id) if row.erased_at else name

        self.sessions = {}
        if wanted["CourseSession"]:
            for row in db.session.execute(
                    db.select(CourseSession.id, CourseSession.course_id, CourseSession.starts_at, Venue.commune)
                    .join(Venue, Venue.id == CourseSession.venue_id)
                    .where(CourseSession.id.in_(wanted["CourseSession"]))):
                self.sessions[row.id] = row
                wanted["Course"].add(row.course_id)

        self.courses: dict[int, tuple[str, str]] = {}  # id → (slug, title)
        self.course_by_slug: dict[str, int] = {}
        if wanted["Course"] or course_slugs:
            rows = db.session.execute(db.select(Course.id, Course.slug).where(
                or_(Course.id.in_(wanted["Course"]), Course.slug.in_(course_slugs)) if course_slugs
                else Course.id.in_(wanted["Course"]))).all()
            texts: dict[int, dict[str, str]] = {row.id: {} for row in rows}
            if texts:
                for text in db.session.execute(db.select(CourseText.course_id, CourseText.locale, CourseText.title)
                                               .where(CourseText.course_id.in_(texts))):
                    texts[text.course_id][text.locale] = text.title
            for row in rows:
                title, _shown = pick(texts[row.id], lang)
                self.courses[row.id] = (row.slug, title or row.slug)
                self.course_by_slug[row.slug] = row.id

        self.themes = {}
        if wanted["Theme"]:
            self.themes = {theme.id: theme for theme in db.session.scalars(
                db.select(Theme).where(Theme.id.in_(wanted["Theme"])))}

    # Each returns a Link, or None when the thing no longer exists.
    def user(self, user_id) -> Link | None:
        if user_id not in self.users:
            return None
        return Link(self.users[user_id], url_for("admin.user", user_id=user_id))

    def course(self, course_id) -> Link | None:
        if course_id not in self.courses:
            return None
        slug, title = self.courses[course_id]
        return Link(title, url_for("admin_catalogue.course_edit", slug=slug))

    def session(self, session_id) -> Link | None:
        row = self.sessions.get(session_id)
        if row is None:
            return None
        course = self.courses.get(row.course_id, ("", ""))[1]
        where = ", ".join(part for part in (row.commune, format_date(row.starts_at, "medium") if row.starts_at else "")
                          if part)
        return Link(f"{course} — {where}" if where else course, url_for("sessions.manage", session_id=session_id))

    def theme(self, theme_id) -> Link | None:
        theme = self.themes.get(theme_id)
        return Link(theme.title(self.lang), url_for("admin_catalogue.themes")) if theme else None

    def subject(self, entry: AuditEntry) -> list[Link]:
        kind, raw_id = entry.target_type, entry.target_id
        if kind == "catalogue":
            return [Link(_("Catalogue des formations"), url_for("admin_catalogue.courses"))]
        target_id = int(raw_id) if raw_id.isdigit() else None
        if kind == "Enrolment" and target_id in self.enrolments:
            user_id, session_id = self.enrolments[target_id]
            return [link for link in (self.user(user_id), self.session(session_id)) if link]
        if kind in AREA_TITLES:
            return [Link(str(AREA_TITLES[kind]))]
        finder = {"User": self.user, "CourseSession": self.session, "Trip": self.session, "Course": self.course,
                  "Theme": self.theme}.get(kind)
        found = finder(target_id) if finder else None
        if found:
            return [found]
        what = TYPE_TITLES.get(kind)
        if what is None:  # a kind of entry this page does not know yet: say what the log says
            return [Link(f"{kind} {raw_id}".strip())]
        if finder is None:  # no page of its own
            return [Link(_("%(what)s n° %(id)s", what=what, id=raw_id))]
        return [Link(_("%(what)s n° %(id)s (supprimé·e)", what=what, id=raw_id))]


def _roles(codes) -> str:
    titles = [str(ROLE_TITLES[Role(code)]) if isinstance(code, str) and code in set(Role) else str(code) for code in codes or []]
    return format_list(titles) if titles else "—"


def _when(raw) -> str:
    try:
        return format_when(datetime.fromisoformat(raw))
    except (TypeError, ValueError):
        return str(raw)


def _details(entry: AuditEntry, names: _Names) -> list[Detail]:
    """Each detail with a translated label and value; keys this page does not know are shown as stored."""
    details = dict(entry.details or {})
    shown: list[Detail] = []
    said_by_subject = (entry.target_type == "Enrolment" and entry.target_id.isdigit()
                       and int(entry.target_id) in names.enrolments)

    def text(label, value):
        shown.append(Detail(str(label), [Link(str(value))]))

    def links(label, items):
        items = [item for item in items if item]
        if items:
            shown.append(Detail(str(label), items))

    # Each key's own words apply to the shape of value the code writes; any other value (an old entry,
    # another tool's) reads as _shown says, which takes whatever JSON holds.
    for key, value in details.items():
        if key in ("roles", "before", "after") and isinstance(value, list):
            text({"roles": _("Rôles"), "before": _("Rôles avant"), "after": _("Rôles après")}[key], _roles(value))
        elif key == "starts_at":
            text(_("Séance"), _when(value))
        elif key == "forced" and entry.action == "backup.restore":
            text(_("Remplacement forcé"), _shown(key, value, entry.action))
        elif key == "forced":
            if value:
                text(_("Conflit d’horaire"), _("Séance ajoutée malgré un conflit d’horaire"))
        elif key == "result" and isinstance(value, str):
            text(_("Résultat"), status_title(value))
        elif key == "reason":
            if value:
                text(_("Raison"), value)
        elif key == "enrolments" and isinstance(value, int):
            text(_("Inscriptions"), ngettext("%(num)d inscription annulée", "%(num)d inscriptions annulées", value))
        elif key in PERSON_DETAILS or key in SESSION_DETAILS:
            if not said_by_subject:  # an enrolment's person and session are already its subject
                find, title = (names.user, PERSON_DETAILS[key]) if key in PERSON_DETAILS else (
                    names.session, SESSION_DETAILS[key])
                ids = [_number(one) for one in (value if isinstance(value, list) else [value])]
                links(title, [find(one) or Link(_("n° %(id)s", id=one)) for one in ids if one is not None])
        elif key in ("created", "updated") and isinstance(value, list):
            label = _("Formations ajoutées") if key == "created" else _("Formations modifiées")
            links(label, [names.course(names.course_by_slug.get(str(slug))) or Link(str(slug)) for slug in value])
        elif key in ("slug", "code"):
            text(_("Identifiant"), value)
        elif key == "fields" and isinstance(value, list):
            text(_("Champs modifiés"), format_list([str(FIELD_TITLES.get(str(name), name)) for name in value]))
        else:
            text(DETAIL_TITLES.get(key, key), _shown(key, value, entry.action))
    return shown


def _number(value) -> int | None:
    """A row's id as a detail holds it (a number, or digits in a string), if a database could hold it."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    return value if type(value) is int and 0 < value < 2 ** 31 else None


def _code_titles(key: str, action: str) -> dict:
    """The titles of a detail's codes (a document's kind, a mark's state…), where it holds codes."""
    if key == "kind" and action.startswith("trip."):
        return DOCUMENT_TITLES
    if key == "kind" and action.startswith("certificate.asset"):
        return {"logo": _("Logo"), "signature": _("Signature")}
    if key == "status":
        return {"trip.document": DOCUMENT_STATUS_TITLES, "certificate.export": STATUS_TITLES}.get(action, MARK_TITLES)
    if key == "table":
        return SHEET_TITLES
    return {"lang": LANGUAGE_NAMES, "audience": AUDIENCE_TITLES,
            "dialect": {"postgresql": "PostgreSQL", "sqlite": "SQLite"}}.get(key, {})


def _shown(key: str, value, action: str) -> str:
    """A detail's value in the reader's words: yes or no, a dash for nothing, dates in the school's
    time, codes by their titles, numbers of rows as such; what the page does not know, as stored."""
    if isinstance(value, list):
        return format_list([_shown(key, one, action) for one in value]) if value else "—"
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if key in NUMBERED_DETAILS and _number(value) is not None:
        return _("n° %(id)s", id=value)
    titles = _code_titles(key, action)
    if isinstance(value, str) and value in titles:
        return str(titles[value])
    if key in ("created_at", "erased_at"):
        return _when(value)
    if key in ("from", "to"):
        try:
            return format_date(date.fromisoformat(str(value)), "medium")
        except ValueError:
            return str(value)
    if key == "format":
        return str(value).upper()
    if isinstance(value, (int, float)) and math.isfinite(value) and abs(value) < 10 ** 15:
        return format_number(value)
    return str(value)


def describe(entries: list[AuditEntry], lang: str) -> list[Row]:
    """The rows of a page of entries, ready to show: names, links, translated values."""
    names = _Names(entries, lang)
    rows = []
    for entry in entries:
        actor = (Link(entry.actor.display_name(lang), url_for("admin.user", user_id=entry.actor_id))
                 if entry.actor else Link(_("Système")))
        rows.append(Row(entry=entry, action=action_title(entry.action), actor=actor,
                        subject=names.subject(entry), details=_details(entry, names)))
    return rows
