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


def flash_form_errors(form) -> None:
    """A form posted from a page that shows no form errors (a button, a folded box): say why on the next page."""
    for messages in form.errors.values():
        flash(" ".join(str(message) for message in messages), "error")


def act(form, action, success, *, refused: tuple[type[Exception], ...]) -> bool:
    """A button's POST: when its form is valid, run `action`; a refusal (one of `refused`) undoes what
    began and is flashed; otherwise commit and flash `success` (a text, or a function of what `action`
    returned). True when done."""
    if not form.validate_on_submit():
        flash_form_errors(form)
        return False
    try:
        result = action()
    except refused as error:
        refuse(error)
        return False
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return True


def save_form(form, action, success: str, *, refused: tuple[type[Exception], ...]) -> bool:
    """A form's POST: when valid, run `action`; a refusal undoes what began and is shown at the top of
    the form; otherwise commit and flash `success`. True when saved (the view then redirects)."""
    if not form.validate_on_submit():
        return False
    try:
        action()
    except refused as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return False
    db.session.commit()
    flash(success, "success")
    return True
