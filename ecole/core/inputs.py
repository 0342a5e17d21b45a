"""One check on everything a request carries before any view reads it: no NUL byte, no control
character, no invalid UTF-8. A form that carries one is refused (400, translated, nothing
written); a query parameter that carries one is dropped, as unknown parameters are (a link
still opens its page); a path that carries one names no page (404).

PostgreSQL refuses NUL in text (a 500 deep in a query), control characters break headers, CSV
and PDF, and Werkzeug turns invalid UTF-8 into U+FFFD, which would then be stored as if typed.
Refusing the request as a whole (400, translated, nothing written) is simpler and safer than
cleaning each field: no form has a use for them."""
import re

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict

# C0 controls except tab, line feed and carriage return (text areas send CR/LF), DEL, and the
# replacement character Werkzeug puts where the bytes were not UTF-8.
UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
# In a path or a query string nothing may break a line.
UNREADABLE_IN_URL = re.compile("[\x00-\x1f\x7f\ufffd]")


def readable_args() -> ImmutableMultiDict | None:
    """The query parameters without those no link of Ecole can have made, or None when all are fine."""
    pairs = list(request.args.items(multi=True))
    kept = [(key, value) for key, value in pairs
            if not UNREADABLE_IN_URL.search(key) and not UNREADABLE_IN_URL.search(value)]
    return None if len(kept) == len(pairs) else ImmutableMultiDict(kept)


def unreadable_form() -> bool:
    """Does the form carry a character no form of Ecole can have sent?"""
    if request.method in ("POST", "PUT", "PATCH"):
        for key, value in request.form.items(multi=True):
            if UNREADABLE.search(key) or UNREADABLE.search(value):
                return True
        for key, upload in request.files.items(multi=True):
            if UNREADABLE.search(key) or UNREADABLE.search(upload.filename or ""):
                return True
    return False


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_unreadable_input():
        from ecole.core.errors import render_error

        if UNREADABLE_IN_URL.search(request.path):  # no page has such an address
            return render_error(404)
        args = readable_args() if request.query_string else None
        if args is not None:
            request.args = args  # every reader (views, locale selection, pagers) sees the clean ones
        if unreadable_form():
            return render_error(400, _("Le texte envoyé contient des caractères non permis "
                                       "(caractères de contrôle ou octets invalides). Corrigez-le et réessayez."))
