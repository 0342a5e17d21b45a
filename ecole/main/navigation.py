"""The main menu: which links each person sees."""
from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, who sees it), in the order of the menu.
MENU: list[tuple[str, object, str]] = [
    ("main.home", _l("Accueil"), "everyone"),
    ("catalogue.index", _l("Formations"), "everyone"),
    ("training.my_training", _l("Mes formations"), "signed_in"),
    ("sessions.mine", _l("Mes sessions"), "staff"),
    ("attendance.my_meetings", _l("Mes séances"), "staff"),
    ("people.register_person", _l("Inscrire une personne"), "staff"),
    ("reports.dashboard", _l("Rapports"), "staff"),
    ("admin.users", _l("Administration"), "admin"),
    ("notifications.index", _l("Notifications"), "signed_in"),
    ("account.profile", _l("Mon profil"), "signed_in"),
    ("auth.login", _l("Se connecter"), "anonymous"),
    ("auth.register", _l("Créer un compte"), "anonymous"),
]


def _sees(audience: str) -> bool:
    signed_in = current_user.is_authenticated
    return {
        "everyone": True,
        "anonymous": not signed_in,
        "signed_in": signed_in,
        "staff": signed_in and current_user.is_staff,
        "admin": signed_in and current_user.is_admin,
    }[audience]


_URLS: dict[tuple[str, str], str] = {}


def menu_url(endpoint: str) -> str:
    """Menu URLs take no arguments: built once per script root instead of on every page."""
    from flask import request, url_for

    key = (request.script_root, endpoint)
    if key not in _URLS:
        _URLS[key] = url_for(endpoint)
    return _URLS[key]


def nav_links() -> list[tuple[str, object]]:
    return [(endpoint, label) for endpoint, label, audience in MENU if _sees(audience)]


def unread_notices() -> int:
    """The signed-in person's unread notices, for the menu: one statement per page that shows it,
    none for visitors (whose pages stay cacheable and cheap)."""
    from flask import g

    from ecole.notifications.queries import unread_count

    if not current_user.is_authenticated:
        return 0
    if "unread_notices" not in g:
        g.unread_notices = unread_count(current_user)
    return g.unread_notices


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["unread_notices"] = unread_notices
    app.jinja_env.globals["menu_url"] = menu_url
