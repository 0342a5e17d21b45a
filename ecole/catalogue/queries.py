"""Read-only catalogue queries, each a fixed number of SQL statements whatever the data size."""
from dataclasses import dataclass

from sqlalchemy.orm import lazyload, selectinload

from ecole.catalogue.models import (
    COURSE_AUDIENCES,
    LOCALES,
    Course,
    CourseFormat,
    Lesson,
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
            upcoming="1" if args.get("upcoming") == "1" and UPCOMING else "",
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.audience, self.theme, self.format, self.language, self.upcoming))

    def as_args(self) -> dict:
        return {key: value for key, value in vars(self).items() if value}


def catalogue_query(filters: Filters, *, include_drafts: bool = False):
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
        query = query.where(Course.id.in_(UPCOMING[0]()))
    for word in query_words(filters.q):
        query = query.where(contains(Course.search_text, word))
    return query.order_by(Theme.position, Course.slug)


# "Has an upcoming session": a select of course ids, given by the sessions domain (above this one).
UPCOMING: list = []


def catalogue_version() -> tuple:
    """Changes whenever a course, lesson or theme changes (services bump Course.updated_at)."""
    from flask import g

    if "catalogue_version" not in g:
        row = db.session.execute(db.select(db.func.max(Course.updated_at), db.func.count(Course.id),
                                           db.select(db.func.count(Theme.id)).scalar_subquery())).one()
        g.catalogue_version = (row[0].isoformat() if row[0] else "", row[1], row[2])
    return g.catalogue_version


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
