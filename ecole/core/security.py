"""HTTP security headers and cache policy applied to every response."""
from flask import Flask, request

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
    defaults = SECURITY_HEADERS
    if app.config.get("SESSION_COOKIE_SECURE"):
        defaults += (("Strict-Transport-Security", "max-age=31536000"),)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        asset = request.endpoint == "static" and response.mimetype in SUBRESOURCE_TYPES
        for name, value in defaults:  # what a view set itself stays
            if not (asset and name in DOCUMENT_POLICIES):
                headers.setdefault(name, value)
        if request.endpoint == "static":
            # Static URLs carry a content hash (?v=…), and font files never change in place
            # (a new version gets a new name), so both can be cached for a year.
            if request.args.get("v") or (request.view_args or {}).get("filename", "").startswith("fonts/"):
                headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif "Cache-Control" not in headers:
            # Pages can hold personal data: never let a shared phone's browser replay them from cache.
            headers["Cache-Control"] = "no-store" if _is_personal() else "no-cache"
        return response


def _is_personal() -> bool:
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)
