"""The home page (the school's front page for visitors, a home per role for signed-in people), the
health check and the figures for monitoring."""
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, jsonify, make_response, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ecole.accounts.models import Role
from ecole.catalogue import queries as catalogue_queries
from ecole.core import metrics as monitoring
from ecole.core.access import login_required
from ecole.core.cache import cached_page
from ecole.core.forms import ConfirmForm
from ecole.core.models import utcnow
from ecole.enrolment import queries as enrolment_queries
from ecole.extensions import csrf, db
from ecole.jobs.runner import queue_depth
from ecole.notifications import queries as notification_queries
from ecole.sessions import queries as session_queries
from ecole.trips import queries as trip_queries

main = Blueprint("main", __name__)

SOON_DAYS = 7  # a session whose first meeting is this close needs its roster ready


@main.route("/")
@cached_page
def home():
    if current_user.is_authenticated:
        # The user itself, not the proxy: the queries read its id and roles many times.
        response = make_response(render_template("main/personal.html",
                                                 **personal_home(current_user._get_current_object())))
    else:
        catalogue = "catalogue.index" in current_app.view_functions
        response = make_response(render_template(
            "main/home.html", catalogue_url=url_for("catalogue.index") if catalogue else None,
            trip_reports=trip_queries.published_trips(limit=3)))
    # One URL, two pages: a cache in front must key the answer on the session cookie, so that it never
    # gives a person's home to a visitor (or the visitors' page to a person). core/security.py also
    # marks personal pages no-store.
    response.vary.add("Cookie")
    return response


@dataclass
class Sections:
    """Which parts of the home a person sees: those of each of their roles."""

    trainee: bool
    trainer: bool
    admin: bool


def personal_home(user) -> dict:
    """Everything a signed-in person's home shows, from each domain's queries (a fixed number of
    statements per role, whatever the amount of data)."""
    now = utcnow()
    # Everyone who is not staff follows courses; staff see their trainee part when they also hold that role.
    shows = Sections(trainee=user.has_role(Role.TRAINEE) or not user.is_staff,
                     trainer=user.has_role(Role.TRAINER), admin=user.is_admin)
    context: dict = {"shows": shows, "now": now, "form": ConfirmForm(), "soon_days": SOON_DAYS}
    if shows.trainee:
        context.update(
            offers=enrolment_queries.waiting_offers(user, now),
            next_meeting=enrolment_queries.next_meeting(user, now),
            enrolments=enrolment_queries.current_enrolments(user, now),
            progress=catalogue_queries.progress(user, also=enrolment_queries.enrolled_course_ids(user)),
        )
    if user.is_staff:
        # An administrator may teach without the trainer role: their part appears when they do.
        context.update(meetings=session_queries.next_meetings_taught(user, now),
                       starting=session_queries.starting_soon(user, now, days=SOON_DAYS))
        shows.trainer = shows.trainer or bool(context["meetings"] or context["starting"])
    if shows.admin:
        # The school's whole to-do list; a trainer's own share of it would only repeat it.
        context.update(requests=enrolment_queries.approval_requests(),
                       calls=notification_queries.people_to_call(),
                       decisions=session_queries.sessions_to_decide(now),
                       crowded=enrolment_queries.crowded_sessions(now))
    elif shows.trainer:
        context.update(requests=enrolment_queries.approval_requests(teacher=user),
                       calls=notification_queries.people_to_call(teacher=user),
                       decisions=session_queries.sessions_to_decide(now, teacher=user))
    catalogue_queries.load_titles(_courses(context))  # every title of the page, in one statement
    return context


def _courses(context: dict) -> list:
    sessions = [e.course_session for e in context.get("offers", [])]
    sessions += [e.course_session for e, _position in getattr(context.get("enrolments"), "rows", [])]
    sessions += [m.course_session for m in [context.get("next_meeting"), *context.get("meetings", [])] if m is not None]
    sessions += context.get("starting", [])
    sessions += [s for pending in context.get("decisions", {}).values() for s in pending.sessions]
    sessions += [s for s, _waiting in getattr(context.get("crowded"), "rows", [])]
    return [s.course for s in sessions] + [item.course for item in context.get("progress", [])]


@main.route("/csrf-token")
@login_required
def csrf_token():
    """A fresh CSRF token for a script about to send what it queued offline (a token saved with the
    queue would have expired by the time the network comes back)."""
    response = jsonify(token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@main.route("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@main.route("/metrics")
def metrics():
    """Figures for Prometheus (ecole/core/metrics.py), for the addresses of ECOLE_METRICS_ALLOWED only:
    anyone else finds no page here."""
    if not monitoring.may_read(current_app, request.remote_addr):
        abort(404)
    try:
        jobs = queue_depth()
    except SQLAlchemyError:
        db.session.rollback()
        jobs = None  # the figures still come, with ecole_database_up 0
    response = make_response(monitoring.exposition(jobs))
    response.content_type = monitoring.CONTENT_TYPE
    return response
