"""The public catalogue: search and filters, course pages, lessons, progress, printable handouts."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from ecole.catalogue import queries, services
from ecole.catalogue.models import COURSE_AUDIENCES, FORMAT_TITLES, LOCALES, Course, Lesson
from ecole.catalogue.offline import lesson_pack
from ecole.core.access import login_required
from ecole.core.cache import cached_file, cached_page, fragments
from ecole.core.forms import ConfirmForm
from ecole.core.models import utcnow
from ecole.core.pages import pdf_response
from ecole.core.pagination import page_number
from ecole.extensions import db, limiter
from ecole.i18n import current_language
from ecole.sessions import queries as session_queries
from ecole.trips import queries as trip_queries

catalogue = Blueprint("catalogue", __name__, url_prefix="/courses")
PER_PAGE = 12


@catalogue.route("")
@cached_page
def index():
    filters = queries.Filters.from_args(request.args)
    number = page_number()

    def results() -> str:
        upcoming = session_queries.courses_with_upcoming_sessions(utcnow())
        page = db.paginate(queries.catalogue_query(filters, upcoming_courses=upcoming), page=number,
                           per_page=PER_PAGE, error_out=False)
        return render_template("catalogue/_index_main.html", page=page, filters=filters, themes=queries.themes(),
                               audiences=COURSE_AUDIENCES, formats=FORMAT_TITLES, languages=LOCALES)

    if filters.upcoming:  # depends on sessions, which change all the time: not cached
        main = results()
    else:
        key = ("catalogue", current_language(), tuple(sorted(filters.as_args().items())), number,
               queries.catalogue_version())
        main = fragments.get_or_render(key, results)
    return render_template("catalogue/index.html", main=main)


def _load_course(slug: str) -> Course:
    course = queries.course_by_slug(slug)
    if course is None or not course.can_see(current_user):
        abort(404)
    return course


def _course_head(slug: str) -> Course:
    """Access check on the bare row; the full course is loaded only to render a cache miss."""
    head = queries.course_head(slug)
    if head is None or not head.can_see(current_user):
        abort(404)
    return head


def _load_lesson(course: Course, key: str) -> Lesson:
    for lesson in course.lessons:
        if lesson.key == key:
            return lesson
    abort(404)


@catalogue.route("/<slug>")
@cached_page
def course(slug: str):
    return _course(_course_head(slug))


def _course(head: Course):
    slug = head.slug
    done = services.done_lessons(current_user, head)
    lang = current_language()
    key = ("course", slug, lang, queries.catalogue_version(), current_user.is_authenticated, tuple(sorted(done)))
    loaded: dict = {}

    def part(name: str):
        def render() -> str:
            if "course" not in loaded:
                loaded["course"] = queries.course_by_slug(slug)
            return render_template(f"catalogue/_course_{name}.html", course=loaded["course"], done=done)
        return fragments.get_or_render((name, *key), render)

    return render_template("catalogue/course.html", course=head, top=part("top"), body=part("body"),
                           title=part("title"), upcoming=session_queries.upcoming_for_course(head, utcnow()),
                           trip_reports=trip_queries.published_trips(course_id=head.id))


@catalogue.route("/<slug>/lessons/<key>")
@cached_page
def lesson(slug: str, key: str):
    return _lesson(slug, key)


def _lesson(slug: str, key: str):
    head = _course_head(slug)
    lesson_id = db.session.scalar(db.select(Lesson.id).where(Lesson.course_id == head.id, Lesson.key == key))
    if lesson_id is None:
        abort(404)
    cache_key = (slug, key, current_language(), queries.catalogue_version())
    loaded: dict = {}

    def load():
        if not loaded:
            item = queries.course_by_slug(slug)
            current = _load_lesson(item, key)
            index = item.lessons.index(current)
            loaded.update(course=item, lesson=current, previous=item.lessons[index - 1] if index else None,
                          next=item.lessons[index + 1] if index + 1 < len(item.lessons) else None)
        return loaded

    main = fragments.get_or_render(("lesson", *cache_key),
                                   lambda: render_template("catalogue/_lesson_main.html", **load()))
    title = fragments.get_or_render(("lesson-title", *cache_key),
                                    lambda: str(escape(load()["lesson"].title(current_language()))))
    done = current_user.is_authenticated and lesson_id in services.done_lessons(current_user, head)
    return render_template("catalogue/lesson.html", course=head, lesson_key=key, main=main, done=done, title=title,
                           form=ConfirmForm() if current_user.is_authenticated else None)  # a visitor gets no cookie


@catalogue.route("/<slug>/offline.json")
@login_required
def offline_pack(slug: str):
    """What static/js/lessons.js stores to read the course offline, and its weight: the pages are
    rendered here exactly as the reader will fetch them (plain URLs, which follow the reader's language)."""
    head = _course_head(slug)
    keys = db.session.scalars(db.select(Lesson.key).where(Lesson.course_id == head.id).order_by(Lesson.position))
    pages = {url_for("catalogue.course", slug=head.slug): _course(head)}
    for key in keys:
        pages[url_for("catalogue.lesson", slug=head.slug, key=key)] = _lesson(head.slug, key)
    response = jsonify(lesson_pack(head, current_language(), pages))
    response.vary.add("Cookie")
    return response


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


def _handout_limit() -> str:
    return current_app.config["HANDOUT_RATE_LIMIT"]


@catalogue.route("/<slug>/handout.pdf")
@limiter.limit(_handout_limit)
def handout(slug: str):
    from ecole.core.pdf import render_pdf

    item = _course_head(slug)
    lang = current_language()
    base_url = current_app.config["BASE_URL"].rstrip("/")

    def render() -> bytes:
        course = queries.course_by_slug(slug)
        return render_pdf(render_template("pdf/handout.html", course=course, lang=lang, base_url=base_url))

    # Public and costly: printed once per version of the catalogue and language, then served from the file.
    pdf = cached_file("handouts", f"{item.slug}-{lang}", (item.id, lang, queries.catalogue_version(), base_url), render)
    return pdf_response(pdf, f"{item.slug}-{lang}")
