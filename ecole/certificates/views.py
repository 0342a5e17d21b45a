"""Public verification of certificates: a code's page (every printed field and the status), its stored
PDF, and "check a file" (is this PDF, byte for byte, a certificate the school issued?). Rate-limited:
codes cannot be guessed (60 random bits) and cannot be tried in bulk either."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ecole.certificates import queries, services
from ecole.certificates.forms import AssetForm, CheckFileForm, ReasonForm
from ecole.certificates.models import Certificate, CertificateStatus
from ecole.certificates.printing import verify_url
from ecole.certificates.services import CertificateError
from ecole.core.access import admin_required, login_required
from ecole.core.audit import record
from ecole.core.cache import cached_page
from ecole.core.forms import ConfirmForm, form_status
from ecole.core.pages import act, download, found, save_form
from ecole.core.pagination import page_number
from ecole.core.params import int_arg
from ecole.core.storage import get_storage
from ecole.core.uploads import UploadRefused
from ecole.enrolment.models import Enrolment
from ecole.extensions import db, limiter
from ecole.sessions.pages import managed_session

certificates = Blueprint("certificates", __name__)


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


class UnknownCode(Exception):
    pass


def _certificate_or_404(code: str):
    certificate = services.by_code(code)
    if certificate is None:
        raise UnknownCode(code)
    return certificate


@certificates.errorhandler(UnknownCode)
def unknown_code(_error):
    """A 404 that says what to check (a code read wrong is the usual cause)."""
    return render_template("certificates/unknown.html"), 404


@certificates.route("/verify", methods=["GET"])
@limiter.limit(_verify_limit, scope="verify")
def verify_index():
    return render_template("certificates/check.html", form=CheckFileForm(), result=None)


@certificates.route("/verify/<code>")
@limiter.limit(_verify_limit, scope="verify")
@cached_page
def verify(code: str):
    """A certificate never changes but for its status: its page is kept per code, language and status,
    and a request reads only the status (one indexed row, no ORM) before answering from that cache.

    The whole answer is also kept (`cached_page`) and given again before the rate limit counts: the
    limit is against guessing codes, and an unknown code is never kept, so each guess is counted;
    seeing again a certificate one has already seen tells nothing more."""
    from ecole.core.cache import fragments
    from ecole.i18n import current_language

    state = queries.verify_state(code)
    if state is None:
        raise UnknownCode(code)
    if state[0] != code:  # typed in lower case, without dashes…: the one address of this certificate
        return redirect(url_for("certificates.verify", code=state[0], **_lang_arg()), 301)
    key = ("verify", *state, current_language())
    page = fragments.get_or_render(key, lambda: render_template("certificates/verify.html",
                                                                certificate=_certificate_or_404(code)))
    return current_app.response_class(page, mimetype="text/html")


def _lang_arg() -> dict:
    lang = request.args.get("lang")
    return {"lang": lang} if lang else {}


@certificates.route("/verify/<code>.pdf")
@limiter.limit(_verify_limit, scope="verify")
def verify_pdf(code: str):
    certificate = _certificate_or_404(code)
    if certificate.holder_erased_at is not None:  # the PDF printed the names: it is gone, the page says why
        return render_template("certificates/verify.html", certificate=certificate), 410
    return download(get_storage().get(certificate.storage_key), "application/pdf", f"{certificate.code}.pdf", inline=True)


@certificates.route("/verify/<code>.json")
@limiter.limit(_verify_limit, scope="verify")
def verify_json(code: str):
    """The signed Open Badges 3.0 credential, as embedded in the PDF."""
    certificate = _certificate_or_404(code)
    response = jsonify(certificate.credential)
    response.mimetype = "application/vc+ld+json" if request.args.get("vc") else "application/json"
    return response


@certificates.route("/issuer.json")
def issuer():
    """The school's issuer profile, with every public key that ever signed a certificate (newest first)."""
    from ecole.certificates import credential, keys

    profile = credential.issuer_profile(issuer_url=services.issuer_url(), issuer_name=services.ISSUER,
                                        public_keys=[key.public for key in keys.all_keys()])
    response = jsonify(profile)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@certificates.route("/verify/file", methods=["POST"])
@limiter.limit(_verify_limit, scope="verify")
def check_file():
    form = CheckFileForm()
    result = None
    if form.validate_on_submit():
        limit = current_app.config["CERTIFICATE_CHECK_MAX_BYTES"]
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(_("Le fichier est trop volumineux (%(max)d Mo au plus).", max=limit // (1024 * 1024)))
        else:
            result = services.by_file(data) or False
    status = 200 if result is not None else form_status(form) if request.method == "POST" else 200
    return render_template("certificates/check.html", form=form, result=result), status


# --- staff: a session's certificates, the register of every certificate -------------------------------

def _job_of(course_session):
    """The latest bulk issuing job of the session (its progress bar), or None."""
    from sqlalchemy import select

    from ecole.certificates.jobs import KIND
    from ecole.core.sql import like_escape
    from ecole.jobs.models import Job

    return db.session.scalar(select(Job).where(
        Job.kind == KIND, Job.key.like(like_escape(f"certificates:{course_session.id}:") + "%", escape="\\"))
        .order_by(Job.id.desc()).limit(1))


@certificates.route("/sessions/<int:session_id>/certificates")
@admin_required
def session_certificates(session_id: int):
    course_session = managed_session(session_id)
    answer = services.eligibility(course_session)
    issued = {c.enrolment_id: c for c in db.session.scalars(queries.certificates_query(session_id=course_session.id))
              if c.status == "valid"}
    job = _job_of(course_session)
    running = job is not None and job.state in ("queued", "running")
    return render_template("certificates/session.html", course_session=course_session, answer=answer, issued=issued,
                           job=job, running=running, form=ConfirmForm(),
                           missing=[e for e in answer.eligible if e.id not in issued])


@certificates.route("/sessions/<int:session_id>/certificates", methods=["POST"])
@admin_required
def issue_session(session_id: int):
    """Bulk issuing runs as a job: the request only asks for it (it answers at once) and the page shows
    the progress."""
    from ecole.certificates.jobs import enqueue_session

    course_session = managed_session(session_id)
    act(ConfirmForm(), lambda: enqueue_session(course_session, actor=current_user),
        lambda count: ngettext("%(num)d certificat est en cours de préparation.",
                               "%(num)d certificats sont en cours de préparation.", count) if count
        else _("Chaque personne qui y a droit a déjà son certificat."), refused=(CertificateError,))
    return redirect(url_for("certificates.session_certificates", session_id=course_session.id))


@certificates.route("/enrolments/<int:enrolment_id>/certificate", methods=["POST"])
@admin_required
def issue_one(enrolment_id: int):
    enrolment = found(db.session.get(Enrolment, enrolment_id))
    course_session = managed_session(enrolment.session_id)
    act(ConfirmForm(), lambda: services.issue(enrolment, actor=current_user),
        lambda certificate: _("Certificat délivré : %(code)s", code=certificate.code), refused=(CertificateError,))
    return redirect(url_for("certificates.session_certificates", session_id=course_session.id))


@certificates.route("/admin/certificates")
@admin_required
def register():
    status = request.args.get("status") if request.args.get("status") in {s.value for s in CertificateStatus} else ""
    text = (request.args.get("q") or "").strip()[:100]
    session_id = int_arg("session")
    query = queries.certificates_query(session_id=session_id, status=status or None, text=text or None)
    if request.args.get("format") == "csv":
        return _csv(query, status=status, text=text, session_id=session_id)
    page = db.paginate(query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("certificates/register.html", page=page, status=status, q=text, session_id=session_id,
                           statuses=list(CertificateStatus), params={"status": status, "q": text, "session": session_id})


def _csv(query, **filters):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "holder", "holder_arabic", "course", "hours", "issued", "status", "reason"])
    for c in db.session.scalars(query):
        writer.writerow([c.code, c.holder_latin, c.holder_arabic, c.course_titles.get("fr", ""), c.hours,
                         queries.issued_on(c), c.status, c.revoke_reason or c.supersede_reason])
    record("certificate.export", "certificates", actor=current_user,
           **{key: value for key, value in filters.items() if value})
    db.session.commit()
    return download(out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", "certificates.csv")


def _admin_certificate(certificate_id: int) -> Certificate:
    return found(db.session.get(Certificate, certificate_id))


@certificates.route("/certificates/<int:certificate_id>", methods=["GET"])
@admin_required
def manage(certificate_id: int, form: ReasonForm | None = None, status: int = 200):
    certificate = _admin_certificate(certificate_id)
    return render_template("certificates/manage.html", certificate=certificate,
                           revoke_form=form or ReasonForm(prefix="revoke"), reissue_form=form or ReasonForm(prefix="reissue")), status


@certificates.route("/certificates/<int:certificate_id>/<any(revoke, reissue):action>", methods=["POST"])
@admin_required
def change(certificate_id: int, action: str):
    certificate = _admin_certificate(certificate_id)
    form = ReasonForm(prefix=action)
    if action == "revoke":
        done = save_form(form, lambda: services.revoke(certificate, form.reason.data, actor=current_user),
                         _("Le certificat est révoqué : la page de vérification le dit."), refused=(CertificateError,))
        target = certificate
    else:
        made = {}

        def reissue():
            made["certificate"] = services.reissue(certificate, form.reason.data, actor=current_user)

        done = save_form(form, reissue, _("Un nouveau certificat remplace l’ancien."), refused=(CertificateError,))
        target = made.get("certificate", certificate)
    if done:
        return redirect(url_for("certificates.manage", certificate_id=target.id))
    return manage(certificate_id, form, 400)


@certificates.route("/admin/certificates/design", methods=["GET", "POST"])
@admin_required
def design():
    """The school's logo and the signatures printed on the certificates issued from now on."""
    form = AssetForm()
    if form.is_submitted() and save_form(form, lambda: services.add_asset(
            form.kind.data, form.file.data.filename or "", form.file.data.stream, actor=current_user,
            name=form.name.data or "", title=form.title.data or ""),
            _("L’image est enregistrée : elle figurera sur les prochains certificats."),
            refused=(CertificateError, UploadRefused)):
        return redirect(url_for("certificates.design"))
    logo, signatures = services.assets()
    return render_template("certificates/design.html", form=form, logo=logo, signatures=signatures,
                           action_form=ConfirmForm()), form_status(form) if form.is_submitted() else 200


@certificates.route("/admin/certificates/design/<int:asset_id>/delete", methods=["POST"])
@admin_required
def remove_asset(asset_id: int):
    from ecole.certificates.models import CertificateAsset

    asset = found(db.session.get(CertificateAsset, asset_id))
    act(ConfirmForm(), lambda: services.remove_asset(asset, actor=current_user), _("L’image est retirée."),
        refused=(CertificateError,))
    return redirect(url_for("certificates.design"))


@certificates.route("/admin/certificates/design/<int:asset_id>.png")
@admin_required
def asset_image(asset_id: int):
    from ecole.certificates.models import CertificateAsset

    asset = found(db.session.get(CertificateAsset, asset_id))
    return download(get_storage().get(asset.storage_key), "image/png", f"{asset.kind}-{asset.id}.png", inline=True)


# --- trainees: my certificates ---------------------------------------------------------------------

@certificates.route("/me/certificates")
@login_required
def mine():
    return render_template("certificates/mine.html", certificates=queries.certificates_of(current_user.id),
                           verify_url=verify_url)
