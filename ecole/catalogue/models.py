"""Courses, their per-language texts, lessons, themes and lesson progress."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecole.accounts.models import AUDIENCE_TITLES, Audience
from ecole.core.models import UTCDateTime, utcnow
from ecole.extensions import db

LOCALES = ("fr", "ar", "zgh")
# A course is written for these groups (a person's profile may also say "other").
COURSE_AUDIENCES = tuple(a for a in Audience if a is not Audience.OTHER)


class CourseFormat(enum.StrEnum):
    CLASSROOM = "classroom"
    FIELD = "field"
    STUDY_TRIP = "study_trip"
    MIXED = "mixed"

    @property
    def title(self):
        return FORMAT_TITLES[self]


FORMAT_TITLES = {
    CourseFormat.CLASSROOM: _l("En salle"),
    CourseFormat.FIELD: _l("Pratique sur le terrain"),
    CourseFormat.STUDY_TRIP: _l("Voyage d’étude"),
    CourseFormat.MIXED: _l("Mixte"),
}


class Level(enum.StrEnum):
    INTRODUCTORY = "introductory"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def title(self):
        return LEVEL_TITLES[self]


LEVEL_TITLES = {
    Level.INTRODUCTORY: _l("Initiation"),
    Level.INTERMEDIATE: _l("Intermédiaire"),
    Level.ADVANCED: _l("Avancé"),
}


def pick(texts: dict, lang: str):
    """The text in `lang`, else French, else any: (text, language shown)."""
    for code in (lang, "fr", *LOCALES):
        if code in texts:
            return texts[code], code
    return None, None


class Theme(db.Model):
    """A field of the school's work; administrators can add themes."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_fr: Mapped[str] = mapped_column(String(120))
    title_ar: Mapped[str] = mapped_column(String(120), default="")
    title_zgh: Mapped[str] = mapped_column(String(120), default="")

    def __repr__(self) -> str:
        return f"<Theme {self.code}>"

    def title(self, lang: str) -> str:
        return getattr(self, f"title_{lang}", "") or self.title_fr


course_audiences = Table(
    "course_audiences", db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("audience", String(32), primary_key=True, index=True),
)
course_languages = Table(
    "course_languages", db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("language", String(8), primary_key=True, index=True),
)
course_prerequisites = Table(
    "course_prerequisites", db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CourseAudience(db.Model):
    __table__ = course_audiences

    def __repr__(self) -> str:
        return f"<CourseAudience {self.course_id}:{self.audience}>"


class CourseLanguage(db.Model):
    __table__ = course_languages

    def __repr__(self) -> str:
        return f"<CourseLanguage {self.course_id}:{self.language}>"


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    format: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(16))
    duration_hours: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Every text of the course in the three languages, folded (lower case, no accents or
    # vowel marks): search is one LIKE per word, the same on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    theme: Mapped[Theme] = relationship(lazy="joined")
    text_rows: Mapped[list["CourseText"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="selectin")
    audience_rows: Mapped[list[CourseAudience]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=CourseAudience.audience)
    language_rows: Mapped[list[CourseLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=CourseLanguage.language)
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="Lesson.position", lazy="select")
    prerequisites: Mapped[list["Course"]] = relationship(
        secondary=course_prerequisites, primaryjoin=id == course_prerequisites.c.course_id,
        secondaryjoin=id == course_prerequisites.c.prerequisite_id, lazy="select", order_by="Course.slug")

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    @property
    def texts(self) -> dict[str, "CourseText"]:
        return {row.locale: row for row in self.text_rows}

    def text(self, lang: str) -> tuple["CourseText | None", str | None]:
        return pick(self.texts, lang)

    def title(self, lang: str) -> str:
        text, _shown = self.text(lang)
        return text.title if text else self.slug

    @property
    def audiences(self) -> list[str]:
        return [row.audience for row in self.audience_rows]

    @property
    def instruction_languages(self) -> list[str]:
        return [row.language for row in self.language_rows]

    @property
    def format_title(self):
        return FORMAT_TITLES.get(CourseFormat(self.format), self.format)

    @property
    def level_title(self):
        return LEVEL_TITLES.get(Level(self.level), self.level)

    def audience_titles(self):
        return [AUDIENCE_TITLES[Audience(code)] for code in self.audiences if code in set(Audience)]

    def can_see(self, user) -> bool:
        return self.published or (user is not None and user.is_authenticated and user.is_staff)


class CourseText(db.Model):
    __tablename__ = "course_texts"
    __table_args__ = (UniqueConstraint("course_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    objectives: Mapped[str] = mapped_column(Text, default="")  # Markdown list

    course: Mapped[Course] = relationship(back_populates="text_rows")

    def __repr__(self) -> str:
        return f"<CourseText {self.course_id}:{self.locale}>"


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="lessons")
    text_rows: Mapped[list["LessonText"]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<Lesson {self.course_id}:{self.key}>"

    @property
    def texts(self) -> dict[str, "LessonText"]:
        return {row.locale: row for row in self.text_rows}

    def text(self, lang: str):
        return pick(self.texts, lang)

    def title(self, lang: str) -> str:
        text, _shown = self.text(lang)
        return text.title if text else self.key


class LessonText(db.Model):
    __tablename__ = "lesson_texts"
    __table_args__ = (UniqueConstraint("lesson_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown

    lesson: Mapped[Lesson] = relationship(back_populates="text_rows")

    def __repr__(self) -> str:
        return f"<LessonText {self.lesson_id}:{self.locale}>"


class LessonProgress(db.Model):
    """A trainee marked a lesson as done."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LessonProgress user={self.user_id} lesson={self.lesson_id}>"
