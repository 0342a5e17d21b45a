"""Synthetic data at scale for benchmarks (`flask ecole seed-scale`): fast bulk inserts, idempotent."""
import random

from sqlalchemy import insert, select

from ecole.accounts.models import User, UserRole
from ecole.accounts.passwords import hash_secret
from ecole.catalogue.models import (
    COURSE_AUDIENCES, LOCALES, Course, CourseText, Lesson, LessonText, Theme, course_audiences, course_languages,
)
from ecole.catalogue.search import fold
from ecole.core.models import utcnow
from ecole.extensions import db

WORDS = {
    "fr": "eau safran argan coopérative commune budget projet jeunes femmes tourisme irrigation formation".split(),
    "ar": "الماء الزعفران الأركان التعاونية الجماعة الميزانية المشروع الشباب النساء السياحة السقي".split(),
    "zgh": "ⴰⵎⴰⵏ ⴰⵣⵄⴼⵔⴰⵏ ⴰⵔⴳⴰⵏ ⵜⴰⵎⵢⴰⵡⴰⵙⵜ ⵜⴰⵊⵎⴰⵄⵜ ⴰⵙⵏⴼⵍⵓⵍ ⵉⵎⵥⵥⵢⴰⵏⵏ".split(),
}
HOOKS: list = []  # later domains seed sessions and enrolments: hook(rng, sessions=N, enrolments=N)


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


def seed_scale(*, courses: int, trainees: int, sessions: int, enrolments: int, seed: int = 42) -> dict:
    rng = random.Random(seed)
    report = {"courses": seed_courses(courses, rng), "trainees": seed_trainees(trainees, rng)}
    for hook in HOOKS:
        report.update(hook(rng, sessions=sessions, enrolments=enrolments))
    return report
