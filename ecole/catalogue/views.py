"""The public catalogue: search and filters, course pages, lessons, progress, printable handouts."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.accounts.forms import ConfirmForm
from ecole.catalogue import queries, services
from ecole.catalogue.models import COURSE_AUDIENCES, FORMAT_TITLES, LOCALES, Course, Lesson
from ecole.core.access import login_required
from ecole.core.pagination import page_number
from ecole.extensions import db
from ecole.i18n import current_language

catalogue = Blueprint("catalogue", __name__, url_prefix="/courses")
PER_PAGE = 12


@catalogue.route("")
def index():
    filters = queries.Filters.from_args(request.args)
    page = db.paginate(queries.catalogue_query(filters), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("catalogue/index.html", page=page, filters=filters, themes=queries.themes(),
                           audiences=COURSE_AUDIENCES, formats=FORMAT_TITLES, languages=LOCALES,
                           upcoming_filter=bool(queries.UPCOMING))


def _load_course(slug: str) -> Course:
    course = queries.course_by_slug(slug)
    if course is None or not course.can_see(current_user):
        abort(404)
    return course


def _load_lesson(course: Course, key: str) -> Lesson:
    for lesson in course.lessons:
        if lesson.key == key:
            return lesson
    abort(404)


@catalogue.route("/<slug>")
def course(slug: str):
    item = _load_course(slug)
    done = services.done_lessons(current_user, item)
    return render_template("catalogue/course.html", course=item, done=done, form=ConfirmForm(),
                           extra_sections=[section(item) for section in COURSE_PAGE_SECTIONS])


# Later domains (sessions) add sections to the course page: callables course → (template, context).
COURSE_PAGE_SECTIONS: list = []


@catalogue.route("/<slug>/lessons/<key>")
def lesson(slug: str, key: str):
    item = _load_course(slug)
    current = _load_lesson(item, key)
    index = item.lessons.index(current)
    neighbours = (item.lessons[index - 1] if index else None,
                  item.lessons[index + 1] if index + 1 < len(item.lessons) else None)
    done = services.done_lessons(current_user, item)
    return render_template("catalogue/lesson.html", course=item, lesson=current, done=done,
                           previous=neighbours[0], next=neighbours[1], form=ConfirmForm())


@catalogue.route("/<slug>/lessons/<key>/done", methods=["POST"])
@login_required
def mark_done(slug: str, key: str):
    item = _load_course(slug)
    current = _load_lesson(item, key)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = request.form.get("done") != "0"
        services.mark_lesson(current_user, current, done)
        db.session.commit()
        flash(_("Leçon marquée comme faite.") if done else _("Leçon marquée comme à faire."), "success")
    return redirect(url_for("catalogue.lesson", slug=item.slug, key=current.key))


@catalogue.route("/<slug>/handout.pdf")
def handout(slug: str):
    from ecole.core.pdf import render_pdf

    item = _load_course(slug)
    lang = current_language()
    html = render_template("pdf/handout.html", course=item, lang=lang,
                           base_url=current_app.config["BASE_URL"].rstrip("/"))
    response = make_response(render_pdf(html))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{item.slug}-{lang}.pdf"'
    return response
