"""What many pages do the same way: refuse an action with a message, send a file."""
from flask import abort, flash, make_response
from flask_login import current_user

from ecole.extensions import db


def found(thing):
    """`thing`, or a 404 when there is none (or the reader may not know it exists)."""
    if thing is None:
        abort(404)
    return thing


def allowed(thing, may):
    """`thing` when `may(thing, current_user)` says the reader may act on it, a 403 otherwise."""
    if not may(thing, current_user):
        abort(403)
    return thing


def refuse(error: Exception) -> None:
    """The action was refused by a service: undo what it began and say why on the next page."""
    db.session.rollback()
    flash(str(error), "error")


def download(data: bytes | str, content_type: str, filename: str, *, inline: bool = False):
    """A file answer: `inline` opens it in the browser (PDF), otherwise it is saved."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


def ics_response(data: bytes, name: str):
    return download(data, "text/calendar; charset=utf-8", f"{name}.ics")


def pdf_response(pdf: bytes, name: str):
    return download(pdf, "application/pdf", f"{name}.pdf", inline=True)
