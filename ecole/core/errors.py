"""Error pages in the user's language, and JSON errors for JSON clients."""
from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("Requête invalide"), _l("La requête n’a pas pu être comprise. Revenez en arrière et réessayez.")),
    401: (_l("Connexion requise"), _l("Connectez-vous pour voir cette page.")),
    403: (_l("Accès refusé"), _l("Vous n’avez pas le droit de voir cette page.")),
    404: (_l("Page introuvable"), _l("Cette page n’existe pas ou n’existe plus.")),
    405: (_l("Méthode non autorisée"), _l("Cette action n’est pas possible ici.")),
    413: (_l("Fichier trop volumineux"), _l("Le fichier envoyé dépasse la taille autorisée.")),
    429: (_l("Trop de tentatives"), _l("Trop de tentatives. Attendez une minute, puis réessayez.")),
    500: (_l("Erreur du serveur"), _l("Une erreur est survenue de notre côté. Réessayez dans un instant.")),
}


def render_error(code: int, detail=None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(title), message=str(detail or message)), code
    if request_ctx.url_adapter is None:  # no URL can be built (an untrusted Host): a page without links
        from ecole.i18n import current_language, direction

        return render_template("errors/bare.html", code=code, title=title, message=detail or message,
                               lang=current_language(), dir=direction()), code
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask_babel import gettext as _

        return render_error(400, _("Le formulaire a expiré. Rechargez la page et réessayez."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        body, code = render_error(error.code if error.code in MESSAGES else 400 if error.code < 500 else 500)
        # What the exception says besides its page: Retry-After on a 429, Allow on a 405.
        return body, code, [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        from ecole.core.logs import logged_path
        from ecole.extensions import db

        app.logger.exception("unhandled error on %s %s", request.method, logged_path())  # no token in the log
        db.session.rollback()
        return render_error(InternalServerError.code)
