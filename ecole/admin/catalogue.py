"""Administration of the catalogue: courses and lessons with a preview in each language, themes."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from ecole.catalogue import queries, services
from ecole.catalogue.data import LessonData
from ecole.catalogue.forms import CourseForm, LessonForm, ThemeForm
from ecole.catalogue.models import LOCALES, Course
from ecole.catalogue.services import CatalogueError
from ecole.core.access import admin_required
from ecole.core.forms import ConfirmForm, form_status, show_problems
from ecole.core.pagination import page_number
from ecole.extensions import db
from ecole.i18n import current_language

admin_catalogue = Blueprint("admin_catalogue", __name__, url_prefix="/admin")


def _course_or_404(slug: str) -> Course:
    course = queries.course_by_slug(slug)
    if course is None:
        abort(404)
    return course


def _course_form(course: Course | None) -> CourseForm:
    form = CourseForm()
    # Titles in the reader's language, with the catalogue's fallback (asked → fr → any).
    lang = current_language()
    form.theme.choices = [(t.code, t.title(lang)) for t in queries.themes()]
    others = db.session.scalars(db.select(Course).options(
        selectinload(Course.text_rows), lazyload(Course.audience_rows), lazyload(Course.language_rows),
        lazyload(Course.theme))).all()
    form.prerequisites.choices = sorted(
        ((c.slug, c.title(lang)) for c in others if course is None or c.id != course.id),
        key=lambda choice: (choice[1].casefold(), choice[0]))
    if request.method == "GET" and course is not None:
        data = services.course_to_data(course)
        form.slug.data, form.theme.data, form.format.data = data.slug, data.theme, data.format
        form.level.data, form.duration_hours.data, form.published.data = data.level, data.duration_hours, data.published
        form.audiences.data, form.instruction_languages.data = list(data.audiences), list(data.instruction_languages)
        form.prerequisites.data = list(data.prerequisites)
        for lang in LOCALES:
            form[f"title_{lang}"].data = data.titles.get(lang, "")
            form[f"summary_{lang}"].data = data.summaries.get(lang, "")
            form[f"objectives_{lang}"].data = data.objectives.get(lang, "")
            form[f"description_{lang}"].data = data.descriptions.get(lang, "")
    return form


@admin_catalogue.route("/courses")
@admin_required
def courses():
    filters = queries.Filters.from_args(request.args)
    page = db.paginate(queries.catalogue_query(filters, include_drafts=True), page=page_number(), per_page=30,
                       error_out=False)
    return render_template("admin/courses.html", page=page, filters=filters, action_form=ConfirmForm())


@admin_catalogue.route("/courses/new", methods=["GET", "POST"])
@admin_required
def course_new():
    form = _course_form(None)
    preview = None
    if form.validate_on_submit():
        data = form.to_data(())
        if request.form.get("action") == "preview":
            preview = data
        else:
            try:
                course = services.save_course(None, data, actor=current_user)
            except CatalogueError as error:
                db.session.rollback()
                show_problems(form, error.problems)
            else:
                db.session.commit()
                flash(_("La formation est créée."), "success")
                return redirect(url_for("admin_catalogue.course_edit", slug=course.slug))
    return render_template("admin/course_form.html", form=form, course=None, preview=preview), form_status(form)


@admin_catalogue.route("/courses/<slug>/edit", methods=["GET", "POST"])
@admin_required
def course_edit(slug: str):
    course = _course_or_404(slug)
    form = _course_form(course)
    preview = None
    if form.validate_on_submit():
        data = form.to_data(services.course_to_data(course).lessons)
        if request.form.get("action") == "preview":
            preview = data
        else:
            try:
                services.save_course(course, data, actor=current_user)
            except CatalogueError as error:
                db.session.rollback()
                show_problems(form, error.problems)
            else:
                db.session.commit()
                flash(_("La formation est enregistrée."), "success")
                return redirect(url_for("admin_catalogue.course_edit", slug=course.slug))
    return render_template("admin/course_form.html", form=form, course=course, preview=preview,
                           action_form=ConfirmForm()), form_status(form)


@admin_catalogue.route("/courses/<slug>/publish", methods=["POST"])
@admin_required
def course_publish(slug: str):
    course = _course_or_404(slug)
    if ConfirmForm().validate_on_submit():
        services.set_published(course, not course.published, actor=current_user)
        db.session.commit()
        flash(_("La formation est publiée.") if course.published else _("La formation est retirée du catalogue."),
              "success")
    back = url_for("admin_catalogue.courses") if request.form.get("back") == "list" else url_for("admin_catalogue.course_edit", slug=course.slug)
    return redirect(back)


def _lesson_form(course: Course, lesson_data: LessonData | None, position: int | None) -> LessonForm:
    form = LessonForm()
    if request.method == "GET":
        form.position.data = position
        if lesson_data is not None:
            form.key.data = lesson_data.key
            for lang in LOCALES:
                form[f"title_{lang}"].data = lesson_data.titles.get(lang, "")
                form[f"body_{lang}"].data = lesson_data.bodies.get(lang, "")
    return form


def _save_lessons(course: Course, form: LessonForm, lessons: list[LessonData], message: str):
    data = services.course_to_data(course)
    data.lessons = tuple(lessons)
    try:
        services.save_course(course, data, actor=current_user)
    except CatalogueError as error:
        db.session.rollback()
        show_problems(form, error.problems)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin_catalogue.course_edit", slug=course.slug) + "#lessons")


def _place(lessons: list[LessonData], lesson: LessonData, position: int | None) -> list[LessonData]:
    index = len(lessons) if not position else min(max(position - 1, 0), len(lessons))
    return lessons[:index] + [lesson] + lessons[index:]


def _lesson_problem(form: LessonForm, lessons: list[LessonData], lesson: LessonData) -> bool:
    from ecole.catalogue.loader import SLUG_RE

    if not SLUG_RE.match(lesson.key):
        form.key.errors = list(form.key.errors) + [_("Identifiant invalide : lettres minuscules sans accent, chiffres et tirets.")]
    elif any(other.key == lesson.key for other in lessons):
        form.key.errors = list(form.key.errors) + [_("Une autre leçon a déjà cet identifiant.")]
    if not lesson.titles:
        form.form_errors.append(_("Le titre est obligatoire dans au moins une langue."))
    return bool(form.key.errors or form.form_errors)


@admin_catalogue.route("/courses/<slug>/lessons/new", methods=["GET", "POST"])
@admin_required
def lesson_new(slug: str):
    course = _course_or_404(slug)
    lessons = list(services.course_to_data(course).lessons)
    form = _lesson_form(course, None, len(lessons) + 1)
    preview = None
    if form.validate_on_submit():
        lesson = form.to_lesson()
        if request.form.get("action") == "preview":
            preview = lesson
        elif not _lesson_problem(form, lessons, lesson):
            done = _save_lessons(course, form, _place(lessons, lesson, form.position.data), _("La leçon est ajoutée."))
            if done:
                return done
    return render_template("admin/lesson_form.html", form=form, course=course, lesson=None,
                           preview=preview), form_status(form)


@admin_catalogue.route("/courses/<slug>/lessons/<key>/edit", methods=["GET", "POST"])
@admin_required
def lesson_edit(slug: str, key: str):
    course = _course_or_404(slug)
    lessons = list(services.course_to_data(course).lessons)
    index = next((i for i, lesson in enumerate(lessons) if lesson.key == key), None)
    if index is None:
        abort(404)
    form = _lesson_form(course, lessons[index], index + 1)
    preview = None
    if form.validate_on_submit():
        lesson = form.to_lesson()
        others = lessons[:index] + lessons[index + 1:]
        if request.form.get("action") == "preview":
            preview = lesson
        elif not _lesson_problem(form, others, lesson):
            done = _save_lessons(course, form, _place(others, lesson, form.position.data), _("La leçon est enregistrée."))
            if done:
                return done
    return render_template("admin/lesson_form.html", form=form, course=course, lesson=lessons[index],
                           preview=preview, action_form=ConfirmForm()), form_status(form)


@admin_catalogue.route("/courses/<slug>/lessons/<key>/delete", methods=["POST"])
@admin_required
def lesson_delete(slug: str, key: str):
    course = _course_or_404(slug)
    lessons = list(services.course_to_data(course).lessons)
    if not any(lesson.key == key for lesson in lessons):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = _save_lessons(course, LessonForm(), [lesson for lesson in lessons if lesson.key != key],
                             _("La leçon est supprimée."))
        if done:
            return done
    return redirect(url_for("admin_catalogue.course_edit", slug=course.slug))


@admin_catalogue.route("/themes", methods=["GET", "POST"])
@admin_required
def themes():
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            services.create_theme(form.code.data.strip(), {"fr": form.title_fr.data.strip(),
                                                          "ar": (form.title_ar.data or "").strip(),
                                                          "zgh": (form.title_zgh.data or "").strip()},
                                  actor=current_user)
        except CatalogueError as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            try:
                db.session.commit()
            except IntegrityError:  # another administrator added the same code a moment ago
                db.session.rollback()
                form.code.errors = [*form.code.errors, _("Ce thème existe déjà.")]
                return render_template("admin/themes.html", form=form, themes=queries.themes()), 400
            flash(_("Le thème est ajouté."), "success")
            return redirect(url_for("admin_catalogue.themes"))
    return render_template("admin/themes.html", form=form, themes=queries.themes()), form_status(form)
