"""Read-only catalogue queries, each a fixed number of SQL statements whatever the data size."""
from dataclasses import dataclass

from sqlalchemy import exists, func, inspect, union
from sqlalchemy.orm import aliased, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ecole.catalogue.models import (
    COURSE_AUDIENCES,
    LOCALES,
    Course,
    CourseFormat,
    CourseText,
    Lesson,
    LessonProgress,
    Theme,
    course_audiences,
    course_languages,
)
from ecole.catalogue.search import query_words
from ecole.core.sql import contains
from ecole.extensions import db


@dataclass
class Filters:
    q: str = ""
    audience: str = ""
    theme: str = ""
    format: str = ""
    language: str = ""
    upcoming: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Only known values are kept: anything else is ignored, never an error."""
        def known(name, allowed):
            value = (args.get(name) or "").strip()
            return value if value in allowed else ""

        return cls(
            q=(args.get("q") or "").strip()[:100],
            audience=known("audience", {a.value for a in COURSE_AUDIENCES}),
            theme=(args.get("theme") or "").strip()[:40],
            format=known("format", {f.value for f in CourseFormat}),
            language=known("language", set(LOCALES)),
            upcoming="1" if args.get("upcoming") == "1" else "",
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.audience, self.theme, self.format, self.language, self.upcoming))

    def as_args(self) -> dict:
        return {key: value for key, value in vars(self).items() if value}


def catalogue_query(filters: Filters, *, include_drafts: bool = False, upcoming_courses=None):
    """The courses that match `filters`. `upcoming_courses` is a select of the ids of courses with a
    session to come (the sessions domain's, above this one: the page passes it); without it the
    "upcoming" filter keeps nothing."""
    query = db.select(Course).join(Theme, Course.theme_id == Theme.id).options(
        selectinload(Course.text_rows), selectinload(Course.audience_rows), selectinload(Course.language_rows))
    if not include_drafts:
        query = query.where(Course.published.is_(True))
    if filters.audience:
        query = query.where(Course.id.in_(
            db.select(course_audiences.c.course_id).where(course_audiences.c.audience == filters.audience)))
    if filters.language:
        query = query.where(Course.id.in_(
            db.select(course_languages.c.course_id).where(course_languages.c.language == filters.language)))
    if filters.theme:
        query = query.where(Theme.code == filters.theme)
    if filters.format:
        query = query.where(Course.format == filters.format)
    if filters.upcoming:
        query = query.where(Course.id.in_(upcoming_courses)) if upcoming_courses is not None else query.where(False)
    for word in query_words(filters.q):
        query = query.where(contains(Course.search_text, word))
    return query.order_by(Theme.position, Course.slug)


# What the catalogue's pages, fragments and handouts show.
CATALOGUE_TABLES = ("themes", "courses", "course_texts", "course_audiences", "course_languages",
                    "course_prerequisites", "lessons", "lesson_texts")


def catalogue_version() -> tuple:
    """Changes with any write to the catalogue's tables, whoever makes it (core/versions.py): a
    service, the loader, raw SQL, a restore. Read with the page's key: no statement of its own."""
    from ecole.core import versions

    return versions.of(CATALOGUE_TABLES)


def course_head(slug: str) -> Course | None:
    """The course row alone (no texts or lessons): enough to check access and to key the cache."""
    return db.session.scalar(db.select(Course).where(Course.slug == slug).options(
        lazyload(Course.text_rows), lazyload(Course.audience_rows), lazyload(Course.language_rows),
        lazyload(Course.theme)))


def themes() -> list[Theme]:
    return list(db.session.scalars(db.select(Theme).order_by(Theme.position, Theme.code)))


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(
        db.select(Course).where(Course.slug == slug).options(
            selectinload(Course.lessons).selectinload(Lesson.text_rows),
            selectinload(Course.prerequisites).selectinload(Course.text_rows),
        ))


def published_courses() -> list[Course]:
    """Every published course with its texts and languages (the session form's choice)."""
    return list(db.session.scalars(db.select(Course).where(Course.published.is_(True))
                                   .options(selectinload(Course.text_rows), selectinload(Course.language_rows))))


@dataclass
class Progress:
    course: Course
    done: int
    total: int
    next_lesson: str | None  # the key of the first lesson not done yet, None when all are


def progress(user, *, also=None, limit: int = 5) -> list[Progress]:
    """Lessons done out of the total, per published course where `user` marked a lesson done or
    whose course ids `also` selects (e.g. the courses they are enrolled in: a subquery from a higher
    domain), most recently worked on first. One statement; the titles come from `load_titles`."""
    mine = db.select(Lesson.course_id).join(LessonProgress, LessonProgress.lesson_id == Lesson.id).where(
        LessonProgress.user_id == user.id)
    # One list of ids (not two INs joined by OR), so that the courses are read by their key.
    following = Course.id.in_(mine if also is None else union(mine, also))
    pending, marked = aliased(Lesson), aliased(LessonProgress)  # not the outer query's lessons and marks
    next_lesson = (db.select(pending.key).where(
        pending.course_id == Course.id,
        ~exists().where(marked.lesson_id == pending.id, marked.user_id == user.id))
        .order_by(pending.position, pending.id).limit(1).scalar_subquery())
    last_done = func.max(LessonProgress.done_at)
    rows = db.session.execute(
        db.select(Course, func.count(Lesson.id).label("total"), func.count(LessonProgress.id).label("done"),
                  next_lesson.label("next_lesson"))
        .join(Lesson, Lesson.course_id == Course.id)
        .outerjoin(LessonProgress, (LessonProgress.lesson_id == Lesson.id) & (LessonProgress.user_id == user.id))
        .where(Course.published.is_(True), following)
        .group_by(Course.id)
        .order_by(last_done.is_(None), last_done.desc(), Course.slug)
        .limit(limit)
        .options(lazyload(Course.text_rows), lazyload(Course.audience_rows), lazyload(Course.language_rows),
                 lazyload(Course.theme))).all()
    return [Progress(course=row.Course, done=row.done, total=row.total, next_lesson=row.next_lesson) for row in rows]


def load_titles(courses) -> None:
    """The texts of every course a page lists, in one statement, for the courses whose texts are not
    loaded yet (the queries of a page with several lists load their courses without them)."""
    waiting = {course.id: course for course in courses if "text_rows" in inspect(course).unloaded}
    if not waiting:
        return
    texts: dict[int, list[CourseText]] = {course_id: [] for course_id in waiting}
    for row in db.session.scalars(db.select(CourseText).where(CourseText.course_id.in_(waiting))):
        texts[row.course_id].append(row)
    for course_id, course in waiting.items():
        set_committed_value(course, "text_rows", texts[course_id])
