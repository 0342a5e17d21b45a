"""Synthetic data at scale for benchmarks (`flask ecole seed-scale`): fast bulk inserts, idempotent."""
import random

from sqlalchemy import func, insert, select, update

from ecole.accounts.models import WG_QUESTIONS, User, UserRole
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


# Where the seeded trainees live: communes of the Souss, the first ones (where the school works most) more often.
COMMUNES = ("Taliouine", "Askaoun", "Tafraout", "Igherm", "Tiznit", "Taroudant", "Tata", "Aoulouz", "Tazenakht",
            "Irherm", "Ait Baha", "Anzi", "Tamanar", "Biougra", "Ouled Teima", "Sidi Ifni", "Mirleft", "Tafingoult",
            "Tissint", "Akka", "Tinzouline", "Imi n'Tanout", "Argana", "Tioute")
COMMUNE_WEIGHTS = tuple(24 - n for n in range(len(COMMUNES)))


def _profile(rng: random.Random, now) -> dict:
    """Sex, birth year, commune and WG-SS answers (for the people who consented), as varied as the
    school's trainees: what the funders' report disaggregates by."""
    answers = None
    if rng.random() < 0.3:  # about a third answered the Washington Group questions
        answers = {question: rng.choices((1, 2, 3, 4), weights=(85, 10, 4, 1))[0] for question in WG_QUESTIONS}
    birth_year = rng.randint(1975, 2005) if rng.random() < 0.7 else rng.randint(1950, 2009)  # mostly adults of 20-50
    return {"gender": rng.choices(("f", "m", None), weights=(48, 47, 5))[0],
            "birth_year": None if rng.random() < 0.04 else birth_year,
            "commune": rng.choices(COMMUNES, weights=COMMUNE_WEIGHTS)[0],
            "functioning": answers, "functioning_consented_at": now if answers else None}


def seed_trainees(count: int, rng: random.Random) -> int:
    existing = set(db.session.scalars(select(User.email).where(User.email.like("scale-%@example.org"))))
    password = hash_secret("scale password")  # one hash for all: Argon2 is slow on purpose
    created = 0
    for start in range(0, count, 500):
        emails = [f"scale-{i:07d}@example.org" for i in range(start, min(start + 500, count))]
        emails = [email for email in emails if email not in existing]
        if not emails:
            continue
        now = utcnow()
        db.session.execute(insert(User), [
            {"email": email, "password_hash": password, "name_latin": f"Stagiaire {email[6:13]}", "name_arabic": "",
             "name_tifinagh": "", "audience": rng.choice(COURSE_AUDIENCES).value, "organisation": "",
             "locale": rng.choice(LOCALES), "must_change_password": False, "session_epoch": 0, "active": True,
             "created_at": now, **_profile(rng, now)} for email in emails])
        ids = db.session.scalars(select(User.id).where(User.email.in_(emails))).all()
        db.session.execute(insert(UserRole), [{"user_id": user_id, "role": "trainee"} for user_id in ids])
        created += len(emails)
    return created


def seed_scale(*, courses: int, trainees: int, sessions: int, enrolments: int, register: int = 0, held: int = 0,
               programme: bool = False, seed: int = 42) -> dict:
    rng = random.Random(seed)
    report = {"courses": seed_courses(courses, rng), "trainees": seed_trainees(trainees, rng)}
    report.update(seed_sessions(rng, sessions=sessions, enrolments=enrolments, held=held))
    if register:
        report["register"] = seed_register(register)
    if programme:
        report["programme sessions"] = seed_programme()
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


# A held meeting's mark, by weight: mostly present. A few of the people enrolled never came at all.
MARK_WEIGHTS = {"present": 84, "late": 6, "excused": 4, "absent": 6}
NO_SHOW = 0.04
CLOSED_AFTER_DAYS = 14  # held sessions over for longer are closed, their results validated


def seed_sessions(rng: random.Random, *, sessions: int, enrolments: int, held: int = 0) -> dict:
    """Sessions of the scale courses taught by scale-trainer@example.org, two meetings each, and
    enrolments spread over them (confirmed up to capacity, then waitlisted). The bench trainee, when
    present, is enrolled in the first sessions. The last `held` sessions took place over the past year,
    spread from yesterday back (`seed_attendance`). Idempotent: runs again add nothing."""
    from datetime import timedelta

    from ecole.enrolment.models import Enrolment
    from ecole.sessions.models import CourseSession, Meeting, Venue, session_trainers

    existing = db.session.scalar(select(func.count(CourseSession.id)))
    if not sessions or existing >= sessions:
        return {"sessions": 0, "enrolments": 0} | ({"held sessions": 0, "marks": 0} if held else {})
    held = min(held, sessions)
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
    morning = now.replace(hour=8, minute=0, second=0, microsecond=0)  # 09:00 on the school's clock, most of the year
    capacity = 30

    def first_meeting(i: int):
        """The coming 300 days for most sessions; the past year, from yesterday back, for the held ones."""
        if i < sessions - held:
            return now + timedelta(days=10 + i % 300)
        return morning - timedelta(days=1 + (i - (sessions - held)) % 365)

    starts = [first_meeting(i) for i in range(sessions)]
    is_held = [i >= sessions - held for i in range(sessions)]
    ends = [start + timedelta(hours=26 if past else 3) for start, past in zip(starts, is_held)]
    closed = [past and end < now - timedelta(days=CLOSED_AFTER_DAYS) for end, past in zip(ends, is_held)]
    rows = [{"course_id": rng.choice(course_ids), "venue_id": venue.id,
             "status": "completed" if closed[i] else "published", "capacity": capacity,
             "seats_taken": 0, "languages": "ar,zgh", "requires_approval": False, "offer_hours": 48,
             "starts_at": starts[i], "ends_at": ends[i], "notes": "", "cancel_reason": "", "created_at": now}
            for i in range(sessions)]
    before = db.session.scalar(select(func.max(CourseSession.id))) or 0
    db.session.execute(insert(CourseSession), rows)
    session_ids = list(db.session.scalars(select(CourseSession.id).where(CourseSession.id > before)
                                          .order_by(CourseSession.id)))
    db.session.execute(insert(session_trainers), [{"session_id": sid, "user_id": trainer.id} for sid in session_ids])
    db.session.execute(insert(Meeting), [
        {"session_id": sid, "starts_at": starts[i] + timedelta(hours=h), "place": "", "topic": "",
         "ends_at": starts[i] + timedelta(hours=h + 2)} for i, sid in enumerate(session_ids) for h in (0, 24)])
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
    # Seats go in order of arrival: by id for the sessions to come (the bench trainee, made first, has
    # a seat in each of theirs); in any order for the held ones, so that nobody is always waitlisted.
    held_ids = set(session_ids[sessions - held:]) if held else set()
    arrival = random.Random(rng.random()) if held else None
    order = {pair: arrival.random() for pair in sorted(pairs) if pair[0] in held_ids} if arrival else {}
    batch = []
    for sid, uid in sorted(pairs, key=lambda pair: (pair[0], order.get(pair, pair[1]))):
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
    report = {"sessions": len(session_ids), "enrolments": len(pairs)}
    if held:
        report.update(seed_attendance(random.Random(rng.random()), trainer.id, session_ids[sessions - held:],
                                      closed_ids={sid for sid, shut in zip(session_ids, closed) if shut}, now=now))
    return report


def seed_attendance(rng: random.Random, trainer_id: int, session_ids: list[int], *, closed_ids: set[int], now) -> dict:
    """The past of the held sessions, as their trainer left it: every meeting that has begun has its
    register, with a mark for each confirmed trainee (mostly present; a few never came). Sessions over
    for more than two weeks are closed: registers locked, results validated (completed when both
    meetings were attended: the default rule, 80 % of the hours) and enrolments completed or not; the
    others wait to be closed. Enrolments are dated back to before their session began."""
    from datetime import timedelta

    from ecole.attendance.models import AttendanceMark, Register, Result
    from ecole.enrolment.models import Enrolment
    from ecole.sessions.models import Meeting

    first, last = session_ids[0], session_ids[-1]  # consecutive ids, inserted together
    meetings: dict[int, list[tuple[int, object, object]]] = {}
    for meeting_id, session_id, starts_at, ends_at in db.session.execute(
            select(Meeting.id, Meeting.session_id, Meeting.starts_at, Meeting.ends_at)
            .where(Meeting.session_id.between(first, last), Meeting.starts_at <= now)
            .order_by(Meeting.session_id, Meeting.starts_at)):
        meetings.setdefault(session_id, []).append((meeting_id, starts_at, ends_at))
    statuses, weights = list(MARK_WEIGHTS), list(MARK_WEIGHTS.values())
    marks, results = [], []
    outcomes: dict[tuple[str, object], list[int]] = {}  # (completed or not, validated when) → enrolments
    enrolled = db.session.execute(select(Enrolment.id, Enrolment.session_id, Enrolment.status)
                                  .where(Enrolment.session_id.between(first, last)).order_by(Enrolment.id)).all()
    for enrolment_id, session_id, status in enrolled:
        begun = meetings.get(session_id, [])
        if status != "confirmed" or not begun:
            continue
        came = rng.random() >= NO_SHOW
        pattern = [rng.choices(statuses, weights)[0] if came else "absent" for _ in begun]
        marks += [{"meeting_id": meeting_id, "enrolment_id": enrolment_id, "status": mark,
                   "marked_at": starts_at + timedelta(minutes=rng.randint(0, 30)), "marked_by_id": trainer_id}
                  for (meeting_id, starts_at, _ends), mark in zip(begun, pattern)]
        if session_id in closed_ids:
            attended = sum(120 for mark in pattern if mark in ("present", "late"))
            completed = attended >= 0.8 * 120 * len(begun)
            validated = begun[-1][2] + timedelta(days=1)
            results.append({"enrolment_id": enrolment_id, "minutes_expected": 120 * len(begun),
                             "minutes_attended": attended, "completed": completed,
                             "reasons": [] if completed else ["attendance" if attended else "nothing_attended"],
                             "computed_at": validated, "validated_at": validated, "validated_by_id": trainer_id})
            outcomes.setdefault(("completed" if completed else "not_completed", validated), []).append(enrolment_id)
    for start in range(0, len(marks), 10000):
        db.session.execute(insert(AttendanceMark), marks[start:start + 10000])
    for start in range(0, len(results), 10000):
        db.session.execute(insert(Result), results[start:start + 10000])
    db.session.execute(insert(Register), [
        {"meeting_id": meeting_id, "updated_at": ends_at + timedelta(hours=1),
         **({"locked_at": ends_at + timedelta(days=1), "locked_by_id": trainer_id} if session_id in closed_ids else {})}
        for session_id, begun in meetings.items() for meeting_id, _starts, ends_at in begun])
    for (status, when), ids in outcomes.items():
        for start in range(0, len(ids), 900):  # under SQLite's limit of bound parameters
            db.session.execute(update(Enrolment).where(Enrolment.id.in_(ids[start:start + 900]))
                               .values(status=status, updated_at=when))
    # People enrolled three weeks before their session began, not on the day it was seeded.
    by_day: dict[object, list[int]] = {}
    for session_id, begun in meetings.items():
        by_day.setdefault(begun[0][1] - timedelta(days=21), []).append(session_id)
    for when, ids in by_day.items():
        db.session.execute(update(Enrolment).where(Enrolment.session_id.in_(ids)).values(created_at=when))
        db.session.execute(update(Enrolment).where(Enrolment.session_id.in_(ids), Enrolment.status == "waitlisted")
                           .values(waitlisted_at=when, updated_at=when))
    return {"held sessions": len(session_ids), "marks": len(marks)}


SCALE_PROGRAMME = "SCALE-PROG"


def seed_programme() -> int:
    """SCALE-PROG, a funder's programme over the scale trainer's sessions from a year ago to a year
    ahead: four held sessions in five and every other one to come, with targets. Returns how many
    sessions it holds (0 when it exists already, or when there is no session to hold)."""
    from datetime import date, timedelta

    from ecole.reports.models import Programme, programme_sessions
    from ecole.sessions.models import CourseSession, session_trainers

    if db.session.scalar(select(Programme.id).where(Programme.code == SCALE_PROGRAMME)) is not None:
        return 0
    now = utcnow()
    chosen = [sid for sid, starts_at in db.session.execute(
        select(CourseSession.id, CourseSession.starts_at)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .join(User, User.id == session_trainers.c.user_id).where(User.email == SCALE_TRAINER)
        .order_by(CourseSession.id))
        if (sid % 5 != 4 if starts_at is not None and starts_at <= now else sid % 2 == 0)]
    if not chosen:
        return 0
    today = date.today()
    programme = Programme(
        code=SCALE_PROGRAMME, funder="Fonds de coopération Souss–Massa (fictif)",
        titles={"fr": "Programme d’appui aux communes du Souss", "ar": "برنامج دعم جماعات سوس",
                "zgh": "ⴰⵖⴰⵡⴰⵙ ⵏ ⵜⵡⵉⵙⵉ ⵉ ⵜⵊⵎⴰⵄⵉⵏ ⵏ ⵙⵓⵙ"},
        starts_on=today - timedelta(days=365), ends_on=today + timedelta(days=365),
        targets={"trained": 6000, "women_trained": 3000, "completed": 4500, "person_hours": 250000,
                 "sessions": 2500, "communes": 24}, created_at=now, updated_at=now)
    db.session.add(programme)
    db.session.flush()
    for start in range(0, len(chosen), 5000):
        db.session.execute(insert(programme_sessions), [{"programme_id": programme.id, "session_id": sid}
                                                        for sid in chosen[start:start + 5000]])
    return len(chosen)
