"""The funders' indicators, computed from attendance and validated results (never from enrolment),
per programme and period, with the definitions the pages, exports and the CLI print beside them.

Definitions (also in `DEFINITIONS`, shown on every page and in every export):
- **People trained**: distinct people with at least one meeting marked present or late in the period,
  in a session of the programme whose course counts as training. Each person counts once, however
  many courses they took. Someone who enrolled and never came is not trained.
- **People who completed**: people trained whose result was validated as completed (the course's
  completion rule: attendance percentage, excused absences, assessment, trip) in a session of the
  programme that ended within the period.
- **Completion rate**: people who completed ÷ people trained in the sessions that ended within the period.
- **Person-hours**: the hours of the meetings each person attended (present or late) in the period.
- **Sessions and trips delivered**: sessions, and study trips apart, with at least one attended meeting
  (a trip's stop or any other of its meetings).
- **Communes reached**: distinct communes where the people trained live.
- **Age**: on the year of the person's first attended meeting in the period (year − birth year), so that
  each person counts once, in one band.
Cancelled meetings never count; courses marked "does not count as training" (awareness meetings) are
left out. All figures are read with a fixed number of queries (5), whatever the size of the school."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ecole.accounts.models import (
    AUDIENCE_TITLES,
    DISABILITY_TITLES,
    GENDER_TITLES,
    Audience,
    Disability,
    Gender,
    User,
    disability_of,
    erased_name,
)
from ecole.attendance.models import ATTENDED, AttendanceMark, CompletionRule
from ecole.core.timezone import school_zone
from ecole.enrolment.models import Enrolment, EnrolmentStatus
from ecole.extensions import db
from ecole.reports.models import Programme, programme_sessions
from ecole.sessions.models import CourseSession, Meeting, SessionFormat

SMALL_CELL = 5  # figures shown to anyone but administrators hide any cell under this many people

DIMENSIONS = ("sex", "age", "commune", "audience", "disability")
DIMENSION_TITLES = {
    "sex": _l("Sexe"),
    "age": _l("Tranche d’âge"),
    "commune": _l("Commune de résidence"),
    "audience": _l("Public"),
    "disability": _l("Handicap (questions du Groupe de Washington)"),
}
AGE_BANDS = (("under_18", None, 17), ("18_24", 18, 24), ("25_35", 25, 35), ("36_59", 36, 59), ("60_plus", 60, None))
AGE_TITLES = {
    "under_18": _l("Moins de 18 ans"),
    "18_24": _l("18 à 24 ans"),
    "25_35": _l("25 à 35 ans"),
    "36_59": _l("36 à 59 ans"),
    "60_plus": _l("60 ans et plus"),
    "unknown": _l("Âge non renseigné"),
}
UNKNOWN_SEX_TITLE = _l("Sexe non renseigné")
UNKNOWN_COMMUNE_TITLE = _l("Commune non renseignée")

# The headline indicators, in the order pages and exports show them; targets can be set on each.
INDICATORS = ("trained", "women_trained", "completed", "completion_rate", "person_hours", "sessions", "trips",
              "communes")
INDICATOR_TITLES = {
    "trained": _l("Personnes formées"),
    "women_trained": _l("Femmes formées"),
    "completed": _l("Personnes ayant achevé leur formation"),
    "completion_rate": _l("Taux d’achèvement"),
    "person_hours": _l("Heures-personnes de formation"),
    "sessions": _l("Sessions réalisées"),
    "trips": _l("Voyages d’étude réalisés"),
    "communes": _l("Communes touchées"),
}
DEFINITIONS = {
    "trained": _l("Personnes distinctes présentes (ou en retard) à au moins une séance de la période, dans une "
                  "session du programme dont le cours compte comme formation. Chaque personne compte une fois, "
                  "quel que soit le nombre de ses formations ; une personne inscrite qui n’est jamais venue ne "
                  "compte pas."),
    "women_trained": _l("Parmi les personnes formées, celles dont le profil indique « Femme »."),
    "completed": _l("Personnes formées dont le résultat a été validé « formation suivie » (la règle "
                    "d’achèvement du cours : assiduité, absences excusées, évaluation, voyage) dans une session "
                    "du programme terminée pendant la période."),
    "completion_rate": _l("Personnes ayant achevé leur formation ÷ personnes formées dans les sessions terminées "
                          "pendant la période."),
    "person_hours": _l("Somme des durées des séances auxquelles chaque personne a assisté (présente ou en "
                       "retard) pendant la période."),
    "sessions": _l("Sessions (hors voyages d’étude) ayant au moins une séance avec des présents pendant la période."),
    "trips": _l("Voyages d’étude dont au moins une séance ou une étape a eu des présents pendant la période."),
    "communes": _l("Communes distinctes où habitent les personnes formées."),
    "age": _l("Âge atteint l’année de la première séance suivie dans la période (année - année de naissance) : "
              "chaque personne compte une fois, dans une seule tranche."),
    "disability": _l("Au moins une réponse « beaucoup de difficultés » ou « ne peut pas du tout » aux six "
                     "questions du Groupe de Washington, posées avec le consentement de la personne."),
    "excluded": _l("Les séances annulées ne comptent jamais ; les cours marqués « ne compte pas comme "
                   "formation » (réunions de sensibilisation) sont exclus."),
    "small_cells": _l("Hors administrateurs, toute case de moins de 5 personnes est masquée (« < 5 »)."),
}


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    programme_id: int | None = None
    commune: str | None = None
    audience: str | None = None

    def to_json(self) -> dict:
        """As a ReportExport keeps them (the export's job computes the figures again from them)."""
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "programme": self.programme_id,
                "commune": self.commune, "audience": self.audience}

    @classmethod
    def from_json(cls, data: dict) -> "Filters":
        return cls(date.fromisoformat(data["from"]), date.fromisoformat(data["to"]), data.get("programme"),
                   data.get("commune"), data.get("audience"))

    def as_args(self) -> dict:
        """The query-string arguments that give these filters back (links, exports)."""
        args = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.programme_id is not None:
            args["programme"] = self.programme_id
        if self.commune:
            args["commune"] = self.commune
        if self.audience:
            args["audience"] = self.audience
        return args


@dataclass
class Person:
    id: int
    name_latin: str
    name_arabic: str
    gender: str | None
    birth_year: int | None
    commune: str
    audience: str
    disability: str
    minutes: int = 0
    first_day: date | None = None
    completed: bool = False
    in_ended_session: bool = False  # trained in a session that ended within the period (the rate's base)
    session_ids: set = field(default_factory=set)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    def value(self, dimension: str) -> str:
        if dimension == "sex":
            return self.gender or "unknown"
        if dimension == "age":
            return age_band(self.birth_year, self.first_day)
        if dimension == "commune":
            return self.commune
        if dimension == "audience":
            return self.audience
        return self.disability


@dataclass
class Row:
    """One line of a disaggregation: a value (a band, a commune…) and its figures. A figure is None
    when it is hidden (a small cell, for anyone but administrators)."""

    value: str
    label: str
    trained: int | None
    completed: int | None
    completion_base: int | None
    minutes: int | None

    @property
    def person_hours(self) -> float | None:
        return None if self.minutes is None else round(self.minutes / 60, 1)

    @property
    def completion_rate(self) -> float | None:
        if self.completed is None or not self.completion_base:
            return None
        return round(100 * self.completed / self.completion_base, 1)


@dataclass
class Report:
    filters: Filters
    programme: Programme | None
    people: dict[int, Person]
    totals: dict[str, float | int | None]
    tables: dict[str, list[Row]]
    hidden: bool = False  # small cells hidden

    def progress(self) -> list[tuple[str, float | int | None, float | int | None, int | None]]:
        """(indicator, value, target, percent of target) for each indicator the programme targets."""
        targets = (self.programme.targets if self.programme else {}) or {}
        out = []
        for code in INDICATORS:
            target = targets.get(code)
            if target in (None, "", 0):
                continue
            value = self.totals.get(code)
            percent = None if value is None else int(round(100 * value / target))
            out.append((code, value, target, percent))
        return out

    def people_for(self, indicator: str, dimension: str | None = None, value: str | None = None) -> list[Person]:
        """The names behind a figure (staff only): trained or completed, optionally in one row."""
        chosen = [p for p in self.people.values() if indicator != "completed" or p.completed]
        if dimension in DIMENSIONS and value is not None:
            chosen = [p for p in chosen if p.value(dimension) == value]
        return sorted(chosen, key=lambda p: (p.name_latin.casefold(), p.id))


def age_band(birth_year: int | None, on: date | None) -> str:
    if not birth_year or on is None:
        return "unknown"
    age = on.year - birth_year
    for code, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return code
    return "unknown"


def default_period(programme: Programme | None, today: date) -> tuple[date, date]:
    if programme is not None:
        return programme.starts_on, programme.ends_on
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _bounds(filters: Filters) -> tuple[datetime, datetime]:
    """The period's first and last day, on the school's clock, as UTC instants [start, end)."""
    from datetime import timezone

    tz = school_zone()
    start = datetime.combine(filters.date_from, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(filters.date_to + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def _in_scope(query, filters: Filters):
    """Sessions of the programme (any session without one), courses that count as training, the people filters."""
    query = query.outerjoin(CompletionRule, CompletionRule.course_id == CourseSession.course_id).where(
        or_(CompletionRule.counts_as_training.is_(None), CompletionRule.counts_as_training.is_(True)))
    if filters.programme_id is not None:
        query = query.where(CourseSession.id.in_(select(programme_sessions.c.session_id).where(
            programme_sessions.c.programme_id == filters.programme_id)))
    if filters.commune:
        query = query.where(User.commune == filters.commune)
    if filters.audience:
        query = query.where(User.audience == filters.audience)
    return query


def compute(filters: Filters) -> Report:
    """Every figure of the report, from five queries."""
    start, end = _bounds(filters)
    programme = db.session.get(Programme, filters.programme_id) if filters.programme_id is not None else None
    # One row per attended mark, of two integers; each meeting's session, length and day are read once
    # (a programme has thousands of meetings and a hundred thousand marks).
    attended = _in_scope(
        select(Enrolment.user_id, AttendanceMark.meeting_id)
        .select_from(AttendanceMark)
        .join(Meeting, Meeting.id == AttendanceMark.meeting_id)
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .join(CourseSession, CourseSession.id == Enrolment.session_id)
        .join(User, User.id == Enrolment.user_id)
        .where(AttendanceMark.status.in_([m.value for m in ATTENDED]), Meeting.cancelled_at.is_(None),
               Meeting.starts_at >= start, Meeting.starts_at < end), filters)
    rows = db.session.execute(attended).all()
    marks = attended.subquery()
    tz = school_zone()
    meetings: dict[int, tuple[int, int, date]] = {}  # meeting id → (session id, minutes, day on the school's clock)
    sessions: dict[int, tuple[str, datetime | None]] = {}  # session id → (format, end)
    for meeting_id, session_id, starts_at, ends_at, fmt, session_ends in db.session.execute(
            select(Meeting.id, Meeting.session_id, Meeting.starts_at, Meeting.ends_at, CourseSession.format,
                   CourseSession.ends_at).join(CourseSession, CourseSession.id == Meeting.session_id)
            .where(Meeting.id.in_(select(marks.c.meeting_id).distinct()))):
        meetings[meeting_id] = (session_id, int((ends_at - starts_at).total_seconds() // 60),
                                starts_at.astimezone(tz).date())
        sessions[session_id] = (fmt, session_ends)
    people: dict[int, Person] = {}
    for pid, name_latin, name_arabic, gender, birth_year, commune, audience, functioning, erased_at in db.session.execute(
            select(User.id, User.name_latin, User.name_arabic, User.gender, User.birth_year, User.commune,
                   User.audience, User.functioning, User.erased_at)
            .where(User.id.in_(select(marks.c.user_id).distinct()))):
        # A person erased on request still counts, under the placeholder (their names are gone).
        people[pid] = Person(pid, erased_name(pid) if erased_at else name_latin, name_arabic or "", gender, birth_year,
                             commune or "", audience or Audience.OTHER.value, disability_of(functioning).value)
    ended = {sid for sid, (_fmt, ends_at) in sessions.items() if ends_at is not None and start <= ends_at < end}
    for user_id, meeting_id in rows:
        person = people.get(user_id)
        if person is None:
            continue
        session_id, minutes, day = meetings[meeting_id]
        person.minutes += minutes
        if person.first_day is None or day < person.first_day:
            person.first_day = day
        if session_id not in person.session_ids:
            person.session_ids.add(session_id)
            if session_id in ended:
                person.in_ended_session = True
    completed_query = _in_scope(
        select(Enrolment.user_id).join(CourseSession, CourseSession.id == Enrolment.session_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.status == EnrolmentStatus.COMPLETED.value, CourseSession.ends_at >= start,
               CourseSession.ends_at < end), filters)
    for (user_id,) in db.session.execute(completed_query.distinct()):
        if user_id in people and people[user_id].in_ended_session:
            people[user_id].completed = True
    return Report(filters, programme, people, _totals(people, sessions), _tables(people))


def _totals(people: dict[int, Person], sessions: dict) -> dict:
    trained = len(people)
    completed = sum(1 for p in people.values() if p.completed)
    base = sum(1 for p in people.values() if p.in_ended_session)
    delivered = {sid for p in people.values() for sid in p.session_ids}
    return {
        "trained": trained,
        "women_trained": sum(1 for p in people.values() if p.gender == "f"),
        "completed": completed,
        "completion_base": base,
        "completion_rate": round(100 * completed / base, 1) if base else None,
        "person_hours": round(sum(p.minutes for p in people.values()) / 60, 1),
        "sessions": sum(1 for sid in delivered if sessions[sid][0] != SessionFormat.STUDY_TRIP.value),
        "trips": sum(1 for sid in delivered if sessions[sid][0] == SessionFormat.STUDY_TRIP.value),
        "communes": len({p.commune for p in people.values() if p.commune}),
    }


def row_labels(dimension: str, people: dict[int, Person]) -> list[tuple[str, str]]:
    """(value, label) of a disaggregation's rows, in the order funders' templates list them."""
    if dimension == "sex":
        return [(g.value, str(GENDER_TITLES[g])) for g in Gender] + [("unknown", str(UNKNOWN_SEX_TITLE))]
    if dimension == "age":
        return [(code, str(AGE_TITLES[code])) for code, _low, _high in AGE_BANDS] + [("unknown", str(AGE_TITLES["unknown"]))]
    if dimension == "audience":
        return [(a.value, str(AUDIENCE_TITLES[a])) for a in Audience]
    if dimension == "disability":
        return [(d.value, str(DISABILITY_TITLES[d])) for d in Disability]
    counts: dict[str, int] = defaultdict(int)
    for person in people.values():
        counts[person.commune] += 1
    ordered = sorted(counts, key=lambda c: (-counts[c], c.casefold()))
    return [(c, c or str(UNKNOWN_COMMUNE_TITLE)) for c in ordered]


def _tables(people: dict[int, Person]) -> dict[str, list[Row]]:
    tables = {}
    for dimension in DIMENSIONS:
        groups: dict[str, list[Person]] = defaultdict(list)
        for person in people.values():
            groups[person.value(dimension)].append(person)
        tables[dimension] = [
            Row(value, label, len(groups[value]), sum(1 for p in groups[value] if p.completed),
                sum(1 for p in groups[value] if p.in_ended_session), sum(p.minutes for p in groups[value]))
            for value, label in row_labels(dimension, people)]
    return tables


def hide_small_cells(report: Report) -> Report:
    """The report as anyone but an administrator sees it: every count of 1 to 4 people hidden, with
    what would give it away (its hours and rate; and in a column with a single hidden cell, the next
    smallest one too, so that the total cannot be used to work it out). No names."""
    def small(count):
        return count is not None and 0 < count < SMALL_CELL

    tables = {}
    for dimension, rows in report.tables.items():
        hidden_rows = []
        for row in rows:
            trained = None if small(row.trained) else row.trained
            completed = None if trained is None or small(row.completed) else row.completed
            base = None if completed is None or small(row.completion_base) else row.completion_base
            hidden_rows.append(Row(row.value, row.label, trained, completed, base,
                                   None if trained is None else row.minutes))
        for column in ("trained", "completed"):
            hidden = [r for r in hidden_rows if getattr(r, column) is None and getattr(_original(rows, r), column)]
            if len(hidden) == 1:
                shown = [r for r in hidden_rows if getattr(r, column)]
                if shown:
                    victim = min(shown, key=lambda r: getattr(r, column))
                    setattr(victim, column, None)
                    if column == "trained":
                        victim.completed = victim.completion_base = victim.minutes = None
                    else:
                        victim.completion_base = None
        tables[dimension] = hidden_rows
    totals = dict(report.totals)
    for code in ("trained", "women_trained", "completed"):  # counts of people (communes are not people)
        if small(totals.get(code)):
            totals[code] = None
    if totals.get("completed") is None or small(totals.get("completion_base")):
        totals["completion_rate"] = None
    if totals.get("trained") is None:
        totals["person_hours"] = None
    return Report(report.filters, report.programme, {}, totals, tables, hidden=True)


def _original(rows: list[Row], row: Row) -> Row:
    return next(r for r in rows if r.value == row.value)


def programmes() -> list[Programme]:
    return list(db.session.scalars(select(Programme).order_by(Programme.starts_on.desc(), Programme.code)))


def communes() -> list[str]:
    """The communes people live in (for the commune filter)."""
    return list(db.session.scalars(select(User.commune).where(User.commune != "").distinct().order_by(User.commune)))

