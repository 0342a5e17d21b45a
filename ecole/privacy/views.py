"""A person's data: their own page and download ("Mes données personnelles"), an administrator's
download for a person, and the erasure of a person on request with its confirmation step."""
import json

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecole.accounts.models import User
from ecole.core.access import admin_required, login_required
from ecole.core.forms import form_status
from ecole.core.pages import download, found
from ecole.core.transactions import take_write_lock, without_write_lock
from ecole.extensions import db, limiter
from ecole.i18n import current_language
from ecole.privacy import queries, services
from ecole.privacy.forms import DownloadForm, EraseForm
from ecole.privacy.printing import personal_data_pdf
from ecole.privacy.services import PrivacyError

privacy = Blueprint("privacy", __name__)


def _download_limit() -> str:
    return current_app.config["PERSONAL_DATA_RATE_LIMIT"]


def _per_account() -> str:
    # Per person asking (a PDF takes a moment to print), whatever the address they ask from.
    return f"account:{current_user.get_id()}"


def _download(person: User, fmt: str, lang: str):
    """The file, then its audit entry: read and printed without holding SQLite's write lock."""
    with without_write_lock():
        data = queries.personal_data(person, lang)
        if fmt == "pdf":
            body, content_type = personal_data_pdf(data, lang), "application/pdf"
        else:
            body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
            content_type = "application/json; charset=utf-8"
    take_write_lock()
    services.record_download(person, fmt, actor=current_user)
    db.session.commit()
    response = download(body, content_type, f"ecole-donnees-{person.id}.{fmt}")
    response.headers["Cache-Control"] = "no-store"
    return response


@privacy.route("/account/data")
@login_required
def my_data():
    """What Ecole holds about me, to download as a readable PDF or a JSON file, and how to have it erased."""
    return render_template("privacy/my_data.html", form=DownloadForm())


@privacy.route("/account/data/download", methods=["POST"])
@login_required
@limiter.limit(_download_limit, key=_per_account, scope="personal-data")
def download_mine():
    form = DownloadForm()
    if form.validate_on_submit():
        return _download(current_user, form.format.data, current_language())
    return render_template("privacy/my_data.html", form=form), form_status(form)


def _person(user_id: int) -> User:
    return found(db.session.get(User, user_id))


@privacy.route("/admin/users/<int:user_id>/data", methods=["POST"])
@admin_required
@limiter.limit(_download_limit, key=_per_account, scope="personal-data")
def person_data(user_id: int):
    """An administrator downloads a person's data for them (in the person's language), audited."""
    person = _person(user_id)
    form = DownloadForm()
    if not form.validate_on_submit():
        flash(_("Format inconnu : choisissez JSON ou PDF."), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    return _download(person, form.format.data, person.locale)


@privacy.route("/admin/users/<int:user_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(user_id: int):
    """The confirmation step: what goes, what stays and why, a reason; then the erasure."""
    person = _person(user_id)
    form = EraseForm()
    if person.erased_at is None and form.validate_on_submit():
        try:
            erased = services.erase_person(person, form.reason.data, actor=current_user)
        except PrivacyError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Les données de la personne n° %(id)s sont effacées.", id=user_id) if erased
                  else _("Les données de cette personne étaient déjà effacées."), "success")
            return redirect(url_for("admin.user", user_id=user_id))
    elif person.erased_at is not None and form.is_submitted():
        # A second submit (a double click, another administrator a moment later): nothing more to do.
        flash(_("Les données de cette personne étaient déjà effacées."), "info")
        return redirect(url_for("admin.user", user_id=user_id))
    return render_template("privacy/erase.html", person=person, form=form,
                           preview=queries.erasure_preview(person)), form_status(form)
