"""Synthetic data at scale for benchmarks (`flask ecole seed-scale`): fast bulk inserts, idempotent."""
import random

from sqlalchemy import func, insert, select, update

from ecole.accounts.models import User, UserRole
from ecole.accounts.passwords import hash_secret
from ecole.catalogue.models import (
    COURSE_AUDIENCES,
    LOCALES,
    Course,
    CourseText,
    Lesson,
    LessonText,
    Theme,
    course_audiences,
    course_languages,
)
from ecole.catalogue.search import fold
from ecole.core.models import utcnow
from ecole.extensions import db

WORDS = {
    "fr": "eau safran argan coopérative commune budget projet jeunes femmes tourisme irrigation formation".split(),
    "ar": "الماء الزعفران الأركان التعاونية الجماعة الميزانية المشروع الشباب النساء السياحة السقي".split(),
    "zgh": "ⴰⵎⴰⵏ ⴰⵣⵄⴼⵔⴰⵏ ⴰⵔⴳⴰⵏ ⵜⴰⵎⵢⴰⵡⴰⵙⵜ ⵜⴰⵊⵎⴰⵄⵜ ⴰⵙⵏⴼⵍⵓⵍ ⵉⵎⵥⵥⵢⴰⵏⵏ".split(),
}


def _text(rng: random.Random, lang: str, n: int) -> str:
    return " ".join(rng.choice(WORDS[lang]) for _ in range(n))


def seed_courses(count: int, rng: random.Random) -> int:
    existing = set(db.session.scalars(select(Course.slug).where(Course.slug.like("scale-%"))))
    themes = list(db.session.scalars(select(Theme.id)))
    now = utcnow()
    created = 0
    for start in range(0, count, 200):
        batch = [f"scale-{i:06d}" for i in range(start, min(start + 200, count)) if f"scale-{i:06d}" not in existing]
        if not batch:
            continue
        rows, texts = [], {}
        for slug in batch:
            texts[slug] = {lang: (_text(rng, lang, 5).capitalize(), _text(rng, lang, 20)) for lang in LOCALES}
            rows.append({"slug": slug, "theme_id": rng.choice(themes), "format": rng.choice(["classroom", "field", "mixed"]),
                         "level": "introductory", "duration_hours": rng.randint(6, 60), "published": True,
                         "search_text": fold(" ".join(t + " " + s for t, s in texts[slug].values())),
                         "created_at": now, "updated_at": now})
        db.session.execute(insert(Course), rows)
        ids = dict(db.session.execute(select(Course.slug, Course.id).where(Course.slug.in_(batch))).all())
        db.session.execute(insert(CourseText), [
            {"course_id": ids[slug], "locale": lang, "title": title, "summary": summary, "description": summary,
             "objectives": "- " + summary} for slug in batch for lang, (title, summary) in texts[slug].items()])
        db.session.execute(insert(course_audiences), [
            {"course_id": ids[slug], "audience": audience.value}
            for slug in batch for audience in rng.sample(COURSE_AUDIENCES, 2)])
        db.session.execute(insert(course_languages), [
            {"course_id": ids[slug], "language": lang} for slug in batch for lang in rng.sample(LOCALES, 2)])
        db.session.execute(insert(Lesson), [
            {"course_id": ids[slug], "key": f"lesson-{n}", "position": n} for slug in batch for n in range(1, 5)])
        lesson_ids = db.session.execute(select(Lesson.id).where(Lesson.course_id.in_(ids.values()))).scalars().all()
        db.session.execute(insert(LessonText), [
            {"lesson_id": lesson_id, "locale": lang, "title": _text(rng, lang, 4), "body": _text(rng, lang, 120)}
            for lesson_id in lesson_ids for lang in LOCALES])
        created += len(batch)
    return created


def seed_trainees(count: int, rng: random.Random) -> int:
    existing = set(db.session.scalars(select(User.email).where(User.email.like("scale-%@example.org"))))
    password = hash_secret("scale password")  # one hash for all: Argon2 is slow on purpose
    created = 0
    for start in range(0, count, 500):
        emails = [f"scale-{i:07d}@example.org" for i in range(start, min(start + 500, count))]
        emails = [email for email in emails if email not in existing]
        if not emails:
            continue
        db.session.execute(insert(User), [
            {"email": email, "password_hash": password, "name_latin": f"Stagiaire {email[6:13]}", "name_arabic": "",
             "name_tifinagh": "", "commune": rng.choice(["Taliouine", "Askaoun", "Tafraout", "Igherm"]),
             "audience": rng.choice(COURSE_AUDIENCES).value, "organisation": "", "locale": rng.choice(LOCALES),
             "must_change_password": False, "session_epoch": 0, "active": True,
             "created_at": utcnow()} for email in emails])
        ids = db.session.scalars(select(User.id).where(User.email.in_(emails))).all()
        db.session.execute(insert(UserRole), [{"user_id": user_id, "role": "trainee"} for user_id in ids])
        created += len(emails)
    return created


def seed_scale(*, courses: int, trainees: int, sessions: int, enrolments: int, register: int = 0,
               seed: int = 42) -> dict:
    rng = random.Random(seed)
    report = {"courses": seed_courses(courses, rng), "trainees": seed_trainees(trainees, rng)}
    report.update(seed_sessions(rng, sessions=sessions, enrolments=enrolments))
    if register:
        report["register"] = seed_register(register)
    return report


REGISTER_NOTE = "seed: register bench"


def seed_register(size: int) -> int:
    """One more session of the scale trainer, held yesterday, with `size` confirmed trainees marked
    (a few late, excused or absent): the register page's benchmark. Seeded after the scale sessions,
    its meeting's id is 2 × sessions + 1. Returns the meeting id (0 when it exists already)."""
    from datetime import timedelta

    from ecole.attendance.models import AttendanceMark, Register
    from ecole.enrolment.models import Enrolment, EnrolmentEvent
    from ecole.sessions.models import CourseSession, Meeting, Venue, session_trainers

    if db.session.scalar(select(CourseSession.id).where(CourseSession.notes == REGISTER_NOTE)) is not None:
        return 0
    trainer = db.session.scalar(select(User).where(User.email == SCALE_TRAINER))
    people = list(db.session.scalars(select(User.id).where(User.email.like("scale-0%@example.org"))
                                     .order_by(User.id).limit(size)))
    if trainer is None or len(people) < size:
        raise ValueError("seed the scale trainer and trainees first")
    now = utcnow()
    venue = Venue(commune="Tiznit", place="Dar Chabab", address="")
    db.session.add(venue)
    db.session.flush()
    held = now - timedelta(days=1)
    course_session = CourseSession(course_id=db.session.scalar(select(func.min(Course.id))), venue_id=venue.id,
                                   status="published", capacity=size, seats_taken=size, languages="fr,ar",
                                   starts_at=held, ends_at=held + timedelta(hours=3), notes=REGISTER_NOTE, created_at=now)
    db.session.add(course_session)
    db.session.flush()
    db.session.execute(insert(session_trainers).values(session_id=course_session.id, user_id=trainer.id))
    meeting = Meeting(session_id=course_session.id, starts_at=held, ends_at=held + timedelta(hours=3))
    db.session.add(meeting)
    db.session.flush()
    db.session.execute(insert(Enrolment), [
        {"session_id": course_session.id, "user_id": uid, "status": "confirmed", "cancel_reason": "",
         "created_at": now - timedelta(days=30), "updated_at": now - timedelta(days=30)} for uid in people])
    enrolment_ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.session_id == course_session.id)
                                            .order_by(Enrolment.id)))
    db.session.execute(insert(EnrolmentEvent), [
        {"enrolment_id": eid, "at": now - timedelta(days=30), "from_status": None, "to_status": "confirmed", "reason": ""}
        for eid in enrolment_ids])
    marks = ("present", "present", "present", "late", "present", "excused", "present", "absent")
    db.session.execute(insert(AttendanceMark), [
        {"meeting_id": meeting.id, "enrolment_id": eid, "status": marks[i % len(marks)], "marked_at": now,
         "marked_by_id": trainer.id} for i, eid in enumerate(enrolment_ids)])
    db.session.add(Register(meeting_id=meeting.id, updated_at=now))
    db.session.flush()
    return meeting.id


SCALE_TRAINER = "scale-trainer@example.org"
SCALE_PASSWORD = "scale password"


def seed_sessions(rng: random.Random, *, sessions: int, enrolments: int) -> dict:
    """Sessions of the scale courses taught by scale-trainer@example.org, and enrolments spread over
    them (confirmed up to capacity, then waitlisted). The bench trainee, when present, is enrolled
    in the first sessions. Idempotent: runs again add nothing."""
    from datetime import timedelta

    from ecole.enrolment.models import Enrolment
    from ecole.sessions.models import CourseSession, Meeting, Venue, session_trainers

    existing = db.session.scalar(select(func.count(CourseSession.id)))
    if not sessions or existing >= sessions:
        return {"sessions": 0, "enrolments": 0}
    trainer = db.session.scalar(select(User).where(User.email == SCALE_TRAINER))
    if trainer is None:
        trainer = User(email=SCALE_TRAINER, password_hash=hash_secret(SCALE_PASSWORD), name_latin="Formateur Échelle",
                       name_arabic="", name_tifinagh="", commune="Taliouine", audience="other", organisation="",
                       locale="fr", must_change_password=False, session_epoch=0, active=True)
        trainer.role_rows = [UserRole(role="trainer")]
        db.session.add(trainer)
        db.session.flush()
    course_ids = list(db.session.scalars(select(Course.id).order_by(Course.id)))
    venue = Venue(commune="Taliouine", place="Maison du safran", address="")
    db.session.add(venue)
    db.session.flush()
    now = utcnow()
    capacity = 30
    rows = [{"course_id": rng.choice(course_ids), "venue_id": venue.id, "status": "published", "capacity": capacity,
             "seats_taken": 0, "languages": "ar,zgh", "requires_approval": False, "offer_hours": 48,
             "starts_at": now + timedelta(days=10 + i % 300), "ends_at": now + timedelta(days=10 + i % 300, hours=3),
             "notes": "", "cancel_reason": "", "created_at": now} for i in range(sessions)]
    db.session.execute(insert(CourseSession), rows)
    session_ids = list(db.session.scalars(select(CourseSession.id).order_by(CourseSession.id)))
    db.session.execute(insert(session_trainers), [{"session_id": sid, "user_id": trainer.id} for sid in session_ids])
    db.session.execute(insert(Meeting), [
        {"session_id": sid, "starts_at": now + timedelta(days=10 + i % 300, hours=h), "place": "", "topic": "",
         "ends_at": now + timedelta(days=10 + i % 300, hours=h + 2)} for i, sid in enumerate(session_ids) for h in (0, 24)])
    trainees = list(db.session.scalars(select(User.id).where(User.email.like("scale-%@example.org"),
                                                             User.email != SCALE_TRAINER)))
    bench = db.session.scalar(select(User.id).where(User.email == "bench@example.org"))
    taken: dict[int, int] = {}
    pairs: set[tuple[int, int]] = set()
    if bench is not None:
        for sid in session_ids[:5]:
            pairs.add((sid, bench))
    while len(pairs) < min(enrolments, len(session_ids) * max(len(trainees), 1)) and trainees:
        pairs.add((rng.choice(session_ids), rng.choice(trainees)))
    batch = []
    for sid, uid in sorted(pairs):
        status = "confirmed" if taken.get(sid, 0) < capacity else "waitlisted"
        taken[sid] = taken.get(sid, 0) + (status == "confirmed")
        batch.append({"session_id": sid, "user_id": uid, "status": status, "cancel_reason": "", "created_at": now,
                      "updated_at": now, "waitlisted_at": now if status == "waitlisted" else None})
        if len(batch) >= 5000:
            db.session.execute(insert(Enrolment), batch)
            batch = []
    if batch:
        db.session.execute(insert(Enrolment), batch)
    for sid, count in taken.items():
        db.session.execute(update(CourseSession).where(CourseSession.id == sid).values(seats_taken=count))
    return {"sessions": len(session_ids), "enrolments": len(pairs)}

