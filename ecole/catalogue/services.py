"""Catalogue operations: import and export of courses/, editing, publishing, progress, search text."""
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ecole.catalogue import loader
from ecole.catalogue.data import CourseData, LessonData
from ecole.catalogue.models import (
    LOCALES,
    Course,
    CourseAudience,
    CourseLanguage,
    CourseText,
    Lesson,
    LessonProgress,
    LessonText,
    Theme,
)
from ecole.catalogue.search import fold
from ecole.core import audit
from ecole.core.models import utcnow
from ecole.extensions import db

# Titles of this domain's audit actions (create_app gives them to core/audit.py).
ACTION_TITLES = {
    "catalogue.import": _l("Import du catalogue"),
    "course.create": _l("Création d’une formation"),
    "course.update": _l("Modification d’une formation"),
    "course.publish": _l("Publication d’une formation"),
    "course.unpublish": _l("Retrait d’une formation du catalogue"),
    "theme.create": _l("Création d’un thème"),
}


class CatalogueError(ValueError):
    """A refused catalogue change; `problems` lists (field, translated message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


# --- between the database and CourseData ---------------------------------------------------

def course_to_data(course: Course) -> CourseData:
    texts = course.texts
    return CourseData(
        slug=course.slug,
        theme=course.theme.code,
        format=course.format,
        level=course.level,
        duration_hours=course.duration_hours,
        audiences=tuple(sorted(course.audiences)),
        instruction_languages=tuple(code for code in LOCALES if code in course.instruction_languages),
        prerequisites=tuple(sorted(p.slug for p in course.prerequisites)),
        published=course.published,
        titles={lang: t.title for lang, t in texts.items()},
        summaries={lang: t.summary for lang, t in texts.items() if t.summary},
        descriptions={lang: t.description for lang, t in texts.items() if t.description},
        objectives={lang: t.objectives for lang, t in texts.items() if t.objectives},
        lessons=tuple(
            LessonData(key=lesson.key, titles={lang: t.title for lang, t in lesson.texts.items()},
                       bodies={lang: t.body for lang, t in lesson.texts.items() if t.body})
            for lesson in course.lessons
        ),
    )


def _themes_by_code() -> dict[str, Theme]:
    return {theme.code: theme for theme in db.session.scalars(db.select(Theme))}


def _apply(course: Course, data: CourseData, themes: dict[str, Theme], courses_by_slug: dict[str, Course]) -> None:
    course.slug = data.slug
    course.theme = themes[data.theme]
    course.format, course.level = data.format, data.level
    course.duration_hours, course.published = data.duration_hours, data.published
    course.audience_rows = [CourseAudience(audience=code) for code in data.audiences]
    course.language_rows = [CourseLanguage(language=code) for code in data.instruction_languages]
    existing = course.texts
    rows = []
    for lang in LOCALES:
        if lang not in data.titles:
            continue
        row = existing.get(lang) or CourseText(locale=lang)
        row.title = data.titles[lang]
        row.summary = data.summaries.get(lang, "")
        row.description = data.descriptions.get(lang, "")
        row.objectives = data.objectives.get(lang, "")
        rows.append(row)
    course.text_rows = rows
    by_key = {lesson.key: lesson for lesson in course.lessons}
    lessons = []
    for position, lesson_data in enumerate(data.lessons, start=1):
        lesson = by_key.get(lesson_data.key) or Lesson(key=lesson_data.key)
        lesson.position = position
        old = lesson.texts
        lesson.text_rows = [
            _lesson_text(old.get(lang), lang, lesson_data) for lang in LOCALES if lang in lesson_data.titles
        ]
        lessons.append(lesson)
    course.lessons = lessons
    course.prerequisites = [courses_by_slug[slug] for slug in data.prerequisites]
    course.search_text = search_text(data)
    course.updated_at = utcnow()  # also when only a lesson changed: the catalogue's cache version moves


def _lesson_text(row: LessonText | None, lang: str, data: LessonData) -> LessonText:
    row = row or LessonText(locale=lang)
    row.title, row.body = data.titles[lang], data.bodies.get(lang, "")
    return row


def search_text(data: CourseData) -> str:
    parts = [data.slug, *data.titles.values(), *data.summaries.values(), *data.descriptions.values(),
             *data.objectives.values()]
    for lesson in data.lessons:
        # Lesson texts too: a word a trainee remembers from a lesson finds its course, in any language.
        parts.extend(lesson.titles.values())
        parts.extend(lesson.bodies.values())
    return fold(" \n ".join(parts))


# --- import and export -------------------------------------------------------------------

@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def import_catalogue(root: Path, *, actor) -> ImportReport:
    """Upsert every course of `root` by slug. Nothing is written when any file has a problem."""
    report = ImportReport()
    datas, problems = loader.read_catalogue(root)
    report.problems = [str(problem) for problem in problems]
    if report.problems:
        return report
    themes = _themes_by_code()
    existing = {c.slug: c for c in db.session.scalars(db.select(Course))}
    known_slugs = set(existing) | {d.slug for d in datas}
    for data in datas:
        for key, message in loader.check_course(data, themes=set(themes), known_slugs=known_slugs):
            report.problems.append(f"{loader.where_in_yaml(root, data.slug, key)}: {message}")
    cycle = _prerequisite_cycle(datas, existing)
    if cycle:
        report.problems.append(f"{cycle}/course.yml: " + _("Les prérequis forment une boucle."))
    if report.problems:
        return report
    for data in datas:
        course = existing.get(data.slug)
        if course is None:
            course = Course(slug=data.slug)
            db.session.add(course)
            existing[data.slug] = course
            report.created.append(data.slug)
        elif course_to_data(course) == data:
            report.unchanged.append(data.slug)
            if course.search_text != search_text(data):
                # Same texts, older index (what it covers has grown): refresh it, and the cache version.
                course.search_text, course.updated_at = search_text(data), utcnow()
            continue
        else:
            report.updated.append(data.slug)
    for data in datas:
        if data.slug in report.created or data.slug in report.updated:
            with db.session.no_autoflush:
                _apply(existing[data.slug], data, themes, existing)
    db.session.flush()
    if report.created or report.updated:
        audit.record("catalogue.import", "catalogue", actor=actor,
                     created=report.created, updated=report.updated)
    return report


def _prerequisite_cycle(datas: list[CourseData], existing: dict[str, Course]) -> str | None:
    graph = {slug: [p.slug for p in course.prerequisites] for slug, course in existing.items()}
    graph.update({d.slug: list(d.prerequisites) for d in datas})
    state: dict[str, int] = {}

    def visit(slug: str) -> str | None:
        if state.get(slug) == 1:
            return slug
        if state.get(slug) == 2:
            return None
        state[slug] = 1
        for nxt in graph.get(slug, []):
            found = visit(nxt)
            if found:
                return found
        state[slug] = 2
        return None

    for slug in graph:
        found = visit(slug)
        if found:
            return found
    return None


def export_catalogue(root: Path) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    slugs = []
    for course in db.session.scalars(db.select(Course).order_by(Course.slug)):
        loader.write_course(course_to_data(course), root)
        slugs.append(course.slug)
    return slugs


# --- editing ------------------------------------------------------------------------------

def save_course(course: Course | None, data: CourseData, *, actor) -> Course:
    """Create or update a course from the administration, with the importer's rules."""
    themes = _themes_by_code()
    courses = {c.slug: c for c in db.session.scalars(db.select(Course))}
    if course is not None:
        courses.pop(course.slug, None)
    problems = loader.check_course(data, themes=set(themes), known_slugs=set(courses) | {data.slug})
    if data.slug in courses:
        problems.append(("slug", _("Une autre formation a déjà cet identifiant.")))
    if not problems and _prerequisite_cycle([data], courses):
        problems.append(("prerequisites", _("Les prérequis forment une boucle.")))
    if problems:
        raise CatalogueError(problems)
    created = course is None
    if created:
        course = Course(slug=data.slug)
        db.session.add(course)
    courses[data.slug] = course
    with db.session.no_autoflush:
        _apply(course, data, themes, courses)
    db.session.flush()
    audit.record("course.create" if created else "course.update", course, actor=actor, slug=course.slug)
    return course


def set_published(course: Course, published: bool, *, actor) -> Course:
    if course.published != published:
        course.published, course.updated_at = published, utcnow()
        audit.record("course.publish" if published else "course.unpublish", course, actor=actor, slug=course.slug)
        db.session.flush()
    return course


def create_theme(code: str, titles: dict[str, str], *, actor) -> Theme:
    if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", code) or len(code) > 40:
        raise CatalogueError([("code", _("Identifiant invalide : lettres minuscules sans accent, chiffres et traits bas."))])
    if db.session.scalar(db.select(Theme.id).where(Theme.code == code)) is not None:
        raise CatalogueError([("code", _("Ce thème existe déjà."))])
    if not titles.get("fr"):
        raise CatalogueError([("title_fr", _("Ce champ est obligatoire."))])
    position = (db.session.scalar(db.select(db.func.max(Theme.position))) or 0) + 1
    theme = Theme(code=code, position=position, title_fr=titles["fr"], title_ar=titles.get("ar", ""),
                  title_zgh=titles.get("zgh", ""))
    db.session.add(theme)
    db.session.flush()
    audit.record("theme.create", theme, actor=actor, code=code)
    return theme


# --- progress ------------------------------------------------------------------------------

def mark_lesson(user, lesson: Lesson, done: bool) -> None:
    row = db.session.scalar(db.select(LessonProgress).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id))
    if done and row is None:
        try:
            with db.session.begin_nested():  # the same lesson marked from two devices at once: one row
                db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
        except IntegrityError:
            pass
    elif not done and row is not None:
        db.session.delete(row)
    db.session.flush()


def done_lessons(user, course: Course) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(db.session.scalars(
        db.select(LessonProgress.lesson_id).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, Lesson.course_id == course.id)))


def forget_progress(user) -> None:
    """A person erased on request (ecole/privacy/): which lessons they marked done goes too."""
    db.session.execute(db.delete(LessonProgress).where(LessonProgress.user_id == user.id))
