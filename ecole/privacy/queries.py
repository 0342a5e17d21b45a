"""Everything Ecole holds about one person, as plain data (JSON-ready): the download a person asks for,
and the PDF printed from it.

Every model that points at a person (ecole/*/models.py) was looked at. In: the account and profile,
roles, consents and the Washington Group answers, one-time codes (when, never the code), the calendar
feed (that it exists, never its secret address), lessons done, enrolments with their moves, attendance
marks, results, assessments, questionnaires answered (the answers themselves are stored apart and
cannot be told from anyone else's), absence warnings, trip applications, documents (what, not the
files), report entries, photos they appear in, certificates, notices sent to them, the sessions they
teach, and the audit entries about them. Out: what they did to others as staff (other people's data),
and what names other people. Who did something is said by role ("Administrateur"), never by name: a
person's download holds nobody else's personal data."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ecole.accounts.models import OneTimeCode, User, UserRole
from ecole.admin.audit import AuditFilters, audit_query
from ecole.attendance.models import AbsenceWarning, Assessment, AttendanceMark, Result, SurveyReceipt
from ecole.catalogue.models import Course, Lesson, LessonProgress
from ecole.certificates.models import Certificate
from ecole.certificates.printing import verify_url
from ecole.core.models import utcnow
from ecole.enrolment.models import CalendarFeed, Enrolment, EnrolmentEvent
from ecole.enrolment.queries import upcoming_of
from ecole.extensions import db
from ecole.notifications.models import Notification
from ecole.notifications.services import render
from ecole.sessions.models import CourseSession, Meeting, session_trainers
from ecole.trips.models import ReportEntry, ReportPhoto, TripApplication, TripDocument, TripStop, Vehicle

SCHOOL = "École Pratique de Développement Rural — Migrations & Développement"


def _when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class _Actors:
    """Who did something, as the download says it: the person themself, the system, or staff by role."""

    def __init__(self, person: User, actor_ids):
        self.person = person
        ids = {actor_id for actor_id in actor_ids if actor_id is not None and actor_id != person.id}
        self.roles: dict[int, list[str]] = {actor_id: [] for actor_id in ids}
        if ids:
            for user_id, role in db.session.execute(select(UserRole.user_id, UserRole.role)
                                                    .where(UserRole.user_id.in_(ids)).order_by(UserRole.role)):
                self.roles[user_id].append(role)

    def __call__(self, actor_id: int | None) -> dict:
        if actor_id is None:
            return {"by": "system", "by_roles": []}
        if actor_id == self.person.id:
            return {"by": "self", "by_roles": []}
        return {"by": "staff", "by_roles": self.roles.get(actor_id, [])}


def _session(course_session: CourseSession, lang: str) -> dict:
    return {"id": course_session.id, "course": course_session.course.title(lang), "format": course_session.format,
            "place": course_session.venue.label(), "starts_at": _when(course_session.starts_at),
            "ends_at": _when(course_session.ends_at), "status": course_session.status}


def personal_data(person: User, lang: str) -> dict[str, Any]:
    """The whole of what Ecole holds about `person`, texts in `lang` where Ecole writes them."""
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == person.id)
        .options(selectinload(Enrolment.course_session).selectinload(CourseSession.course).selectinload(Course.text_rows))
        .order_by(Enrolment.created_at, Enrolment.id)))
    enrolment_ids = [enrolment.id for enrolment in enrolments] or [-1]
    events = db.session.scalars(select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id.in_(enrolment_ids))
                                .order_by(EnrolmentEvent.at, EnrolmentEvent.id)).all()
    audit = db.session.scalars(audit_query(AuditFilters(person=person.id))).all()
    documents = db.session.scalars(select(TripDocument).where(TripDocument.enrolment_id.in_(enrolment_ids))
                                   .order_by(TripDocument.id)).all()
    actors = _Actors(person, [person.created_by_id, *(e.actor_id for e in events), *(a.actor_id for a in audit),
                              *(d.updated_by_id for d in documents)])
    return {
        "school": SCHOOL,
        "generated_at": _when(utcnow()),
        "language": lang,
        "account": _account(person, actors),
        "washington_group": _functioning(person),
        "one_time_codes": [{"channel": code.channel, "created_at": _when(code.created_at),
                            "expires_at": _when(code.expires_at), "used_at": _when(code.used_at)}
                           for code in db.session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == person.id)
                                                          .order_by(OneTimeCode.created_at))],
        "calendar_feed": _calendar_feed(person),
        "enrolments": _enrolments(person, enrolments, events, documents, actors, lang),
        "lessons_done": _lessons_done(person, lang),
        "trip_report_entries": _report_entries(person),
        "photos": _photos(person),
        "certificates": _certificates(enrolment_ids),
        "notifications": _notifications(person, lang),
        "sessions_taught": _sessions_taught(person, lang),
        "audit": [{"at": _when(entry.at), "action": entry.action, **actors(entry.actor_id)} for entry in audit],
    }


def _account(person: User, actors: _Actors) -> dict:
    return {
        "id": person.id, "name_latin": person.name_latin, "name_arabic": person.name_arabic,
        "name_tifinagh": person.name_tifinagh, "phone": person.phone, "email": person.email,
        "gender": person.gender, "birth_year": person.birth_year, "commune": person.commune,
        "audience": person.audience, "organisation": person.organisation, "locale": person.locale,
        "roles": sorted(person.roles), "active": person.active, "has_password": person.password_hash is not None,
        "created_at": _when(person.created_at), "registered_by": actors(person.created_by_id),
        "last_login_at": _when(person.last_login_at), "erased_at": _when(person.erased_at),
    }


def _functioning(person: User) -> dict | None:
    if person.functioning is None and person.functioning_consented_at is None:
        return None
    return {"consented_at": _when(person.functioning_consented_at), "answers": dict(person.functioning or {})}


def _calendar_feed(person: User) -> dict | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == person.id))
    return {"created_at": _when(feed.created_at)} if feed is not None else None


def _enrolments(person: User, enrolments: list[Enrolment], events, documents, actors: _Actors, lang: str) -> list[dict]:
    ids = [enrolment.id for enrolment in enrolments] or [-1]
    marks: dict[int, list] = {}
    for mark, meeting in db.session.execute(
            select(AttendanceMark, Meeting).join(Meeting, Meeting.id == AttendanceMark.meeting_id)
            .where(AttendanceMark.enrolment_id.in_(ids)).order_by(Meeting.starts_at)):
        marks.setdefault(mark.enrolment_id, []).append({
            "meeting_starts_at": _when(meeting.starts_at), "meeting_ends_at": _when(meeting.ends_at),
            "mark": mark.status, "marked_at": _when(mark.marked_at)})
    results = {row.enrolment_id: row for row in db.session.scalars(select(Result).where(Result.enrolment_id.in_(ids)))}
    assessments = {row.enrolment_id: row for row in db.session.scalars(
        select(Assessment).where(Assessment.enrolment_id.in_(ids)))}
    answered = set(db.session.scalars(select(SurveyReceipt.session_id).where(SurveyReceipt.user_id == person.id)))
    warnings: dict[int, list] = {}
    for warning in db.session.scalars(select(AbsenceWarning).where(AbsenceWarning.enrolment_id.in_(ids))
                                      .order_by(AbsenceWarning.created_at)):
        warnings.setdefault(warning.enrolment_id, []).append({"kind": warning.kind, "at": _when(warning.created_at)})
    applications = {row.enrolment_id: row for row in db.session.scalars(
        select(TripApplication).where(TripApplication.enrolment_id.in_(ids)))}
    vehicles = {row.id: row.label for row in db.session.scalars(select(Vehicle).where(
        Vehicle.id.in_([a.vehicle_id for a in applications.values() if a.vehicle_id] or [-1])))}
    out = []
    for enrolment in enrolments:
        result, assessment, application = (results.get(enrolment.id), assessments.get(enrolment.id),
                                           applications.get(enrolment.id))
        trip_documents = [document for document in documents if document.enrolment_id == enrolment.id]
        out.append({
            "id": enrolment.id, "session": _session(enrolment.course_session, lang), "status": enrolment.status,
            "created_at": _when(enrolment.created_at), "updated_at": _when(enrolment.updated_at),
            "cancel_reason": enrolment.cancel_reason,
            "events": [{"at": _when(event.at), "from": event.from_status, "to": event.to_status, "reason": event.reason,
                        **actors(event.actor_id)} for event in events if event.enrolment_id == enrolment.id],
            "attendance": marks.get(enrolment.id, []),
            "result": None if result is None else {
                "minutes_expected": result.minutes_expected, "minutes_attended": result.minutes_attended,
                "completed": result.completed, "reasons": list(result.reasons or []),
                "validated_at": _when(result.validated_at)},
            "assessment": None if assessment is None else {
                "passed": assessment.passed, "score": assessment.score, "comment": assessment.comment,
                "assessed_at": _when(assessment.assessed_at)},
            "questionnaire_answered": enrolment.session_id in answered,
            "absence_warnings": warnings.get(enrolment.id, []),
            "trip": None if application is None and not trip_documents else {
                "motivation": application.motivation if application else "",
                "applied_at": _when(application.created_at) if application else None,
                "vehicle": vehicles.get(application.vehicle_id) if application else None,
                "documents": [{"kind": document.kind, "status": document.status, "file_name": document.filename,
                               "file_type": document.content_type, "updated_at": _when(document.updated_at),
                               **actors(document.updated_by_id)} for document in trip_documents]},
        })
    return out


def _lessons_done(person: User, lang: str) -> list[dict]:
    rows = db.session.execute(
        select(LessonProgress.done_at, Lesson, Course).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Course, Course.id == Lesson.course_id).where(LessonProgress.user_id == person.id)
        .order_by(LessonProgress.done_at)).all()
    return [{"course": course.title(lang), "lesson": lesson.title(lang), "done_at": _when(done_at)}
            for done_at, lesson, course in rows]


def _report_entries(person: User) -> list[dict]:
    rows = db.session.execute(
        select(ReportEntry, TripStop).join(TripStop, TripStop.id == ReportEntry.stop_id)
        .where(ReportEntry.author_id == person.id).order_by(ReportEntry.updated_at)).all()
    return [{"trip": stop.session_id, "stop": stop.place, "language": entry.language, "learnt": entry.learnt,
             "replicate": entry.replicate, "updated_at": _when(entry.updated_at)} for entry, stop in rows]


def _photos(person: User) -> list[dict]:
    rows = db.session.execute(
        select(ReportPhoto, TripStop).join(TripStop, TripStop.id == ReportPhoto.stop_id)
        .where(ReportPhoto.people.any(User.id == person.id)).order_by(ReportPhoto.id)).all()
    return [{"id": photo.id, "trip": stop.session_id, "stop": stop.place, "caption": photo.caption,
             "taken_on": _when(photo.created_at)} for photo, stop in rows]


def _certificates(enrolment_ids: list[int]) -> list[dict]:
    rows = db.session.scalars(select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids))
                              .order_by(Certificate.issued_at)).all()
    return [{"code": certificate.code, "kind": certificate.kind, "status": certificate.status,
             "holder_latin": certificate.holder_latin, "holder_arabic": certificate.holder_arabic,
             "course": dict(certificate.course_titles or {}), "hours": certificate.hours,
             "starts_on": _when(certificate.starts_on), "ends_on": _when(certificate.ends_on),
             "issued_at": _when(certificate.issued_at), "revoked_at": _when(certificate.revoked_at),
             "revoke_reason": certificate.revoke_reason, "holder_erased_at": _when(certificate.holder_erased_at),
             "verify_url": verify_url(certificate.code),
             "pdf_url": verify_url(certificate.code) + ".pdf" if certificate.storage_key else None}
            for certificate in rows]


@dataclass
class _Notice:
    """A notice as rendered for its download: the name of someone else it may carry is left out."""

    id: int
    kind: str
    subject_type: str
    subject_id: int | None
    params: dict


def _notifications(person: User, lang: str) -> list[dict]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == person.id)
                              .order_by(Notification.created_at, Notification.id)).all()
    with force_locale(lang):
        someone = _("une personne de la session")
    texts = render([_Notice(row.id, row.kind, row.subject_type, row.subject_id,
                            {**row.params, **({"name": someone} if "name" in row.params else {})}) for row in rows], lang)
    return [{"created_at": _when(row.created_at), "kind": row.kind, "text": texts[row.id],
             "read_at": _when(row.read_at), "emailed_at": _when(row.emailed_at), "called_at": _when(row.called_at)}
            for row in rows]


def _sessions_taught(person: User, lang: str) -> list[dict]:
    sessions = db.session.scalars(
        select(CourseSession).where(CourseSession.id.in_(
            select(session_trainers.c.session_id).where(session_trainers.c.user_id == person.id)))
        .options(selectinload(CourseSession.course).selectinload(Course.text_rows))
        .order_by(CourseSession.starts_at, CourseSession.id)).all()
    return [_session(course_session, lang) for course_session in sessions]


def mentions(person: User) -> list[str]:
    """The person's names, phone and e-mail as they may be written in texts (a Moroccan number also as
    0612…): what an erasure looks for in the texts other people wrote and in the audit log. Short
    words (under 3 letters) are left out: they would match anything."""
    words = [person.name_latin, person.name_arabic, person.name_tifinagh, person.email, person.phone]
    if person.phone and person.phone.startswith("+212"):
        words.append("0" + person.phone[4:])
    return sorted({word.strip() for word in words if word and len(word.strip()) >= 3}, key=len, reverse=True)



@dataclass
class ErasurePreview:
    """What the confirmation page counts before an erasure."""

    enrolments: int
    upcoming: int          # cancelled: sessions that have not begun
    certificates: int
    photos: int
    documents: int
    report_entries: int
    is_staff: bool


def erasure_preview(person: User) -> ErasurePreview:
    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    theirs = select(Enrolment.id).where(Enrolment.user_id == person.id)
    return ErasurePreview(
        enrolments=count(theirs),
        upcoming=count(upcoming_of(person, utcnow())),
        certificates=count(select(Certificate.id).where(Certificate.enrolment_id.in_(theirs))),
        photos=count(select(ReportPhoto.id).where(ReportPhoto.people.any(User.id == person.id))),
        documents=count(select(TripDocument.id).where(TripDocument.enrolment_id.in_(theirs))),
        report_entries=count(select(ReportEntry.id).where(ReportEntry.author_id == person.id)),
        is_staff=person.is_staff,
    )
