"""Ecole: the learning management system of the Ecole Pratique de Développement Rural (EPDR)."""
import hashlib
from pathlib import Path

from flask import Flask, url_for

from config import config_from_env


class Ecole(Flask):
    """Flask, asking once per function whether a view or a hook is a coroutine: Flask asks `inspect`
    again for every hook of every request (a dozen a request here, 3 µs each), and the answer of a
    function never changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_functions: dict = {}

    def ensure_sync(self, func):
        try:
            return self._sync_functions[func]
        except KeyError:
            sync = self._sync_functions[func] = super().ensure_sync(func)
            return sync


def create_app(config_class=None) -> Flask:
    from ecole.core.timezone import use_pinned_tzdata

    use_pinned_tzdata()
    config_class = config_class or config_from_env()
    app = Ecole(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.from_object(config_class)
    from ecole.core.params import IdConverter

    # Every `<int:…>` in a route is an id: bounded to what the database stores (a longer number is a 404).
    app.url_map.converters["int"] = IdConverter
    if hasattr(config_class, "check"):
        config_class.check()
    from ecole.core import logs, metrics

    logs.configure(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)

    from ecole.core import inputs
    from ecole.extensions import babel, csrf, db, limiter, login_manager, migrate
    from ecole.i18n import select_locale

    logs.init_app(app)  # first of the request hooks: the request's id and start (its after-hook runs last)
    metrics.init_app(app)
    inputs.init_app(app)  # then nothing reads a request it refuses
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    from ecole.core.security import check_csrf_only_on_writes

    check_csrf_only_on_writes(app)  # GETs are never checked: no need to ask at each one
    limiter.init_app(app)  # rate limits: the default store is shared by the server's processes

    from ecole import i18n
    from ecole.accounts import setup as accounts_setup
    from ecole.core import cache, errors, security

    cache.init_app(app)  # kept pages are answered before the hooks below load the signed-in user
    accounts_setup.init_app(app)
    from ecole import jobs
    from ecole.core import storage
    from ecole.jobs.mail import send_mail_job
    from ecole.notifications import services as notification_services

    storage.init_app(app)  # a wrong ECOLE_STORAGE_URL fails here, at start-up

    # Every kind of background job, in one place (ecole/jobs/runner.py says how they run).
    from ecole.certificates import jobs as certificate_jobs
    from ecole.reports import jobs as report_jobs
    from ecole.reports.services import EXPORT_KIND

    jobs.init_app(app, kinds={"send_mail": send_mail_job,
                              notification_services.DELIVER_KIND: notification_services.deliver_notice_job,
                              certificate_jobs.KIND: certificate_jobs.issue_certificates_job,
                              EXPORT_KIND: report_jobs.export_job})
    from ecole.enrolment import services as enrolment_services
    from ecole.trips import services as trip_services

    enrolment_services.init_app(app, notify=notification_services.notify, may_confirm=trip_services.may_confirm)
    from ecole.core import transactions

    transactions.init_app(app)  # each view runs again when the database asks for it
    from ecole.core import versions

    versions.install()  # every writing transaction renews its tables' tokens (the page caches' keys)
    _register_audit_titles(app)
    i18n.init_app(app)
    security.init_app(app)
    from ecole.core import compression

    compression.init_app(app)  # gzip; the after-hooks registered above run after it and only add headers
    errors.init_app(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    from ecole.main import navigation

    navigation.init_app(app)

    from ecole import cli

    cli.init_app(app)  # `flask ecole …`: every domain's commands, listed there
    _wrap_wsgi(app)
    return app


def _wrap_wsgi(app: Flask) -> None:
    """What runs around Flask, outermost last."""
    if not app.config.get("ACCESS_LOG"):
        from ecole.core.cache import KeptForVisitors

        app.wsgi_app = KeptForVisitors(app, app.wsgi_app)  # (a hit would write no access line)
    if app.config.get("PROXY_HOPS"):
        # nginx (deploy/nginx/ecole.conf) sets X-Forwarded-For/-Proto/-Host: trust exactly that many
        # proxies, so the client's address is the one nginx saw (the last X-Forwarded-For value), not
        # one a client wrote itself. X-Forwarded-Port and -Prefix are not set by nginx: never trusted.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_blueprints(app: Flask) -> None:
    from ecole.accounts.views import account, auth, people
    from ecole.admin.catalogue import admin_catalogue
    from ecole.admin.views import admin
    from ecole.attendance.evaluation_views import evaluation
    from ecole.attendance.sheet_views import sheets
    from ecole.attendance.views import attendance
    from ecole.catalogue.views import catalogue
    from ecole.certificates.views import certificates
    from ecole.enrolment.decision_views import decisions
    from ecole.enrolment.roster_views import rosters
    from ecole.enrolment.views import training
    from ecole.main.offline_views import offline
    from ecole.main.views import main
    from ecole.notifications.views import notifications
    from ecole.privacy.views import privacy
    from ecole.reports.views import reports
    from ecole.sessions.views import sessions
    from ecole.trips.views import trips

    for blueprint in (main, offline, auth, account, people, catalogue, sessions, training, decisions, rosters, notifications,
                      attendance, evaluation, sheets, trips, certificates, reports, privacy, admin, admin_catalogue):
        app.register_blueprint(blueprint)


def _register_audit_titles(app: Flask) -> None:
    """The titles of every domain's audit actions, for the audit log (core/audit.py)."""
    from ecole.accounts.setup import ACTION_TITLES as accounts
    from ecole.attendance.evaluation import ACTION_TITLES as evaluation
    from ecole.attendance.scans import ACTION_TITLES as scans
    from ecole.attendance.services import ACTION_TITLES as attendance
    from ecole.attendance.sync import ACTION_TITLES as offline_marks
    from ecole.catalogue.services import ACTION_TITLES as catalogue
    from ecole.certificates.services import ACTION_TITLES as certificates
    from ecole.core import audit
    from ecole.core.backup import ACTION_TITLES as backups
    from ecole.enrolment.services import ACTION_TITLES as enrolment
    from ecole.privacy.services import ACTION_TITLES as privacy
    from ecole.reports.services import ACTION_TITLES as reports
    from ecole.sessions.services import ACTION_TITLES as sessions
    from ecole.trips.services import ACTION_TITLES as trips

    audit.init_app(app, {**accounts, **catalogue, **sessions, **enrolment, **attendance, **offline_marks, **evaluation, **scans,
                         **trips, **certificates, **reports, **backups, **privacy})


def _register_template_helpers(app: Flask) -> None:
    urls: dict[tuple[str, str], str] = {}

    def static_url(filename: str) -> str:
        """A static file's URL with its content hash, so it can be cached for a year (computed once)."""
        from flask import request

        key = (request.script_root, filename)
        if key not in urls or app.debug:
            path = Path(app.static_folder) / filename
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            except OSError:
                digest = "0"
            urls[key] = url_for("static", filename=filename, v=digest)
        return urls[key]

    from ecole.core.audit import action_title
    from ecole.core.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown

    from ecole.core.pagination import page_url

    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["audit_action_title"] = action_title
    from ecole.enrolment.services import status_title

    app.jinja_env.globals["enrolment_status_title"] = status_title
    from ecole.main.offline_views import lessons_messages, offline_messages

    app.jinja_env.globals["offline_messages"] = offline_messages
    app.jinja_env.globals["lessons_messages"] = lessons_messages
    from ecole.trips.models import localized

    app.jinja_env.globals["localized"] = localized  # a text kept per language: (text, language shown)


def _tune_sqlite(app: Flask) -> None:
    """WAL and a busy timeout: readers do not block the writer, writers wait instead of failing. No
    pre-ping: a file does not drop connections as a server does, and the ping was a `SELECT 1` before
    every request's first query."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from ecole.core import transactions

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    transactions.install()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "pool_pre_ping": False}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    from ecole.core.sql import use_wal

    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None  # Ecole emits BEGIN itself (ecole/core/transactions.py)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    use_wal(dbapi_connection, 10)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
