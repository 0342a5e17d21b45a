"""Public verification of certificates: a code's page (every printed field and the status), its stored
PDF, and "check a file" (is this PDF, byte for byte, a certificate the school issued?). Rate-limited:
codes cannot be guessed (60 random bits) and cannot be tried in bulk either."""
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from ecole.certificates import services
from ecole.certificates.forms import CheckFileForm
from ecole.core.forms import form_status
from ecole.core.pages import download
from ecole.core.storage import get_storage
from ecole.extensions import limiter

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
@limiter.limit(_verify_limit)
def verify_index():
    return render_template("certificates/check.html", form=CheckFileForm(), result=None)


@certificates.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    certificate = _certificate_or_404(code)
    return render_template("certificates/verify.html", certificate=certificate)


@certificates.route("/verify/<code>.pdf")
@limiter.limit(_verify_limit)
def verify_pdf(code: str):
    certificate = _certificate_or_404(code)
    return download(get_storage().get(certificate.storage_key), "application/pdf", f"{certificate.code}.pdf", inline=True)


@certificates.route("/verify/<code>.json")
@limiter.limit(_verify_limit)
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
@limiter.limit(_verify_limit)
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
