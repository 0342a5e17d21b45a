"""The installable web app: its manifest, its service worker (served from the root so that it may
control every page) and the page the service worker shows for a page it cannot reach offline."""
import functools
import json
from pathlib import Path

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ecole.i18n import current_language, direction

offline = Blueprint("offline", __name__)

THEME_COLOUR = "#8a3b12"      # the logo's brown (static/img/logo.svg)
BACKGROUND_COLOUR = "#fbfaf6"  # the pages' paper (--paper in static/css/ecole.css)
ICON_SIZES = (192, 512)
MY_MEETINGS = "/meetings/mine"  # attendance.my_meetings: the trainer's registers kept for offline use


@offline.route("/manifest.webmanifest")
def manifest():
    lang = current_language()
    static_url = current_app.jinja_env.globals["static_url"]
    body = {
        "name": _("École — EPDR"),
        "short_name": _("École"),
        "description": _("École Pratique de Développement Rural — association Migrations & Développement, Souss."),
        "lang": lang,
        "dir": direction(lang),
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": static_url(f"img/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any"} for size in ICON_SIZES],
    }
    response = make_response(json.dumps(body, ensure_ascii=False))
    response.content_type = "application/manifest+json; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"  # in the visitor's language: checked again each time
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return _conditional(response)


@offline.route("/sw.js")
def service_worker():
    """static/js/sw.js behind one line of settings: the hashed URLs it needs. When a static file
    changes, the script's bytes change, so the browser installs the new worker."""
    static_url = current_app.jinja_env.globals["static_url"]
    settings = {
        "workbox": static_url("js/vendor/workbox.js"),
        "offlinePage": url_for("offline.offline_page"),
        # what the offline page itself needs, fetched once when the worker installs
        "precache": [static_url("css/fonts.css"), static_url("css/ecole.css"), static_url("img/logo.svg")],
    }
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    response = make_response(f"self.ECOLE = {json.dumps(settings)};\n{script}")
    response.content_type = "application/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return _conditional(response)


@offline.route("/offline")
def offline_page():
    """Stored by the service worker and shown instead of the browser's error page. It holds nothing
    personal (no menu, no form): any visitor of the phone may see it."""
    lang = current_language()
    response = make_response(render_template("offline/offline.html", lang=lang, my_meetings_url=MY_MEETINGS))
    response.headers["Content-Language"] = lang  # static/js/pwa.js stores it again when the language changes
    response.headers["Cache-Control"] = "no-cache"
    return _conditional(response)


@offline.route("/offline/lessons")
def saved_lessons():
    """"Mes leçons hors ligne": the courses saved on this phone, listed by static/js/lessons.js from
    the phone's caches. The page itself holds nothing personal, so that it can be stored and shown
    offline to whoever is signed in on the phone (the script lists that person's courses only)."""
    lang = current_language()
    response = make_response(render_template("offline/lessons.html", lang=lang))
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-cache"
    return _conditional(response)


def _conditional(response):
    """An ETag, so that the browser's checks (every navigation asks for /sw.js again) cost a 304."""
    response.add_etag()
    return response.make_conditional(request)


# Counts whose plural form static/js/offline.js finds by itself (any other count takes the form of
# a sample in the same CLDR plural category, through Intl.PluralRules).
PLURAL_SAMPLES = (*range(13), 100, 101, 102, 103)


def offline_messages() -> dict:
    """What static/js/offline.js says, in the page's language (no translation lives in JavaScript).
    `{when}` is filled in by the script; counted messages come as {count: text} samples. Every staff
    page carries them: built once per language and process (the catalogues change with a restart)."""
    return _offline_messages(str(get_locale()))


@functools.lru_cache(maxsize=8)
def _offline_messages(_locale: str) -> dict:
    return {
        "offline": _("Hors ligne."),
        "offline_pending": {n: ngettext("Hors ligne : %(num)d présence en attente d’envoi.",
                                        "Hors ligne : %(num)d présences en attente d’envoi.", n)
                            for n in PLURAL_SAMPLES},
        "pending": {n: ngettext("%(num)d présence en attente d’envoi.", "%(num)d présences en attente d’envoi.", n)
                    for n in PLURAL_SAMPLES},
        "refreshed": _("Données de ce téléphone mises à jour le %(when)s.", when="{when}"),
        "never_refreshed": _("Ce téléphone n’a pas encore gardé vos feuilles de présence : ouvrez « Mes séances » "
                             "avec le réseau."),
        "sending": _("Envoi des présences…"),
        "sent": _("Présences envoyées."),
        "send_failed": _("L’envoi n’a pas abouti : les présences restent sur ce téléphone. Réessayez plus tard."),
        "signed_out": _("Reconnectez-vous pour envoyer les présences gardées sur ce téléphone."),
        "queued": _("Pas de réseau : présence gardée sur ce téléphone, elle sera envoyée au retour du réseau."),
    }


def lessons_messages() -> dict:
    """What static/js/lessons.js says, in the page's language. `{size}` and `{when}` are filled in
    by the script (the size comes from /courses/<slug>/offline.json, formatted by the server)."""
    return _lessons_messages(str(get_locale()))


@functools.lru_cache(maxsize=8)
def _lessons_messages(_locale: str) -> dict:
    return {
        "save": _("Enregistrer pour lire hors ligne (≈ %(size)s)", size="{size}"),
        "saving": _("Enregistrement des leçons sur ce téléphone…"),
        "saved": _("Leçons enregistrées sur ce téléphone le %(when)s (%(size)s).", when="{when}", size="{size}"),
        "failed": _("L’enregistrement n’a pas abouti. Réessayez avec le réseau."),
        "removed": _("Leçons retirées de ce téléphone."),
        "no_network": _("Pas de réseau : les leçons pourront être enregistrées quand il reviendra."),
        "item": _("%(size)s, enregistrées le %(when)s", size="{size}", when="{when}"),
        "empty": _("Aucune leçon n’est enregistrée sur ce téléphone."),
        "remove": _("Retirer"),
    }
