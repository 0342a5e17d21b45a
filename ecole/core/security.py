"""HTTP security headers and cache policy applied to every response."""
from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
)
# Policies a browser applies to documents only: a font, stylesheet or script file ignores them, and they
# cost about 430 bytes a file, a tenth of a first visit's budget. Those files get what nginx sends with
# them in production (deploy/nginx/ecole.conf); any other static file (an SVG a browser can open as a
# document) everything.
DOCUMENT_POLICIES = frozenset({"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"})
SUBRESOURCE_TYPES = frozenset({"text/css", "text/javascript", "application/javascript", "font/woff2"})


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    defaults = SECURITY_HEADERS
    if app.config.get("SESSION_COOKIE_SECURE"):
        defaults += (("Strict-Transport-Security", "max-age=31536000"),)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        static = request.endpoint == "static"
        asset = static and response.mimetype in SUBRESOURCE_TYPES
        # What a view set itself stays. (The names present, read once: asking Werkzeug's headers for
        # one that is missing raises and catches an exception, 3 µs a time.)
        present = {name.lower() for name, _value in headers.items()}
        headers.extend([(name, value) for name, value in defaults
                        if name.lower() not in present and not (asset and name in DOCUMENT_POLICIES)])
        if static:
            # Static URLs carry a content hash (?v=…), and font files never change in place
            # (a new version gets a new name), so both can be cached for a year.
            if request.args.get("v") or (request.view_args or {}).get("filename", "").startswith("fonts/"):
                headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif "cache-control" not in present:
            # Pages can hold personal data: never let a shared phone's browser replay them from cache.
            headers["Cache-Control"] = "no-store" if _is_personal() else "no-cache"
        return response


def _is_personal() -> bool:
    """Signed in: the person's id in the session says so first (after a form's commit the person is
    expired, and asking them would read them again); else Flask-Login's answer (a remember-me cookie)."""
    from flask_login import current_user

    return "_user_id" in session or bool(current_user and current_user.is_authenticated)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the signer made once per secret key instead of at every
    request, a visitor's included (25 µs of a 250 µs kept page)."""

    def __init__(self):
        self._signers: dict = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._signers:
            self._signers[keys] = super().get_signing_serializer(app)
        return self._signers[keys]


def check_csrf_only_on_writes(app: Flask) -> None:
    """Flask-WTF's check runs before every request and finds out late (30 µs) that a GET has nothing
    to check: it now runs for the methods it checks (WTF_CSRF_METHODS), exactly as before for those."""
    hooks = app.before_request_funcs[None]
    for position, hook in enumerate(hooks):
        if getattr(hook, "__name__", "") == "csrf_protect":
            checked = frozenset(app.config["WTF_CSRF_METHODS"])

            def csrf_protect(check=hook):
                if request.method in checked:
                    return check()
                return None

            hooks[position] = csrf_protect
            return
    raise RuntimeError("Flask-WTF's csrf_protect hook was not found: is CSRFProtect initialised?")
