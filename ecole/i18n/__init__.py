"""Language selection (fr, ar, zgh), text direction, Babel formatting and the language switch."""
from datetime import date, datetime
from urllib.parse import urlencode

from babel import Locale, dates, numbers
from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ecole.core.timezone import school_zone

LANGUAGE_NAMES = {"fr": "Français", "ar": "العربية", "zgh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}
# "written in …": the language named in the reader's language (a form's label, a report's part).
LANGUAGE_LABELS = {"fr": _l("en français"), "ar": _l("en arabe"), "zgh": _l("en tamazight")}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
RTL = frozenset({"ar"})


def supported(code: str | None) -> str | None:
    """The code if Ecole speaks it, else None (Babel answers 500 for a code it does not know)."""
    if code and code in current_app.config["LANGUAGES"]:
        return code
    return None


def from_accept_language() -> str | None:
    # Werkzeug's best_match drops regions when another language matches (ar-MA,fr → fr): walk it ourselves.
    for value, _quality in request.accept_languages:
        code = supported(value.replace("_", "-").split("-")[0].lower())
        if code:
            return code
    return None


def select_locale() -> str:
    if not has_request_context():  # command line: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = supported(request.args.get("lang"))
    if asked:
        g.lang_chosen = asked
        return asked
    if current_user and current_user.is_authenticated and supported(current_user.locale):
        return current_user.locale
    return supported(request.cookies.get(COOKIE)) or from_accept_language() or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def direction(lang: str | None = None) -> str:
    return "rtl" if (lang or current_language()) in RTL else "ltr"


def formatting_locale() -> Locale:
    # *_MA formats: Moroccan month names in Arabic (ماي، يوليوز، غشت), Latin digits everywhere.
    return Locale.parse(f"{current_language()}_MA")


def format_date(value: date | datetime | None, fmt: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(school_zone()).date()
    return dates.format_date(value, format=fmt, locale=formatting_locale())


def format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return dates.format_datetime(value, format=fmt, tzinfo=school_zone(), locale=formatting_locale())


def format_time(value: datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return dates.format_time(value, format=fmt, tzinfo=school_zone(), locale=formatting_locale())


def format_when(value: datetime | None) -> str:
    """Day, month, year, hours and minutes in the reader's language, e.g. to read out on the phone."""
    if value is None:
        return ""
    return format_date(value, "long") + list_separator() + format_time(value, "short")


def list_separator(loop=None) -> str:
    """What goes between two items: a comma, or, given the Jinja `loop` of a list, the language's « and »
    before its last item (for lists whose items carry markup, which `format_list` would escape)."""
    if loop is None:
        return "، " if current_language() == "ar" else ", "
    key = "2" if loop.length == 2 else "end" if loop.revindex == 2 else "start" if loop.first else "middle"
    return list_patterns()[key].replace("{0}", "", 1).replace("{1}", "", 1)


def label_separator() -> str:
    """What goes between a label and its value: French puts a space before the colon, Arabic and
    Tamazight do not (« Hôte : X », « الجهة المستضيفة: X »)."""
    return " : " if current_language() == "fr" else ": "


def format_number(value) -> str:
    return numbers.format_decimal(value, locale=formatting_locale())


# CLDR has no list patterns for zgh (Babel falls back to root's "a, b, c", which drops the
# conjunction); Tamazight joins the last two items with ⴷ « et » (GLOSSARY.md).
LIST_PATTERNS = {"zgh": {"2": "{0} ⴷ {1}", "start": "{0}, {1}", "middle": "{0}, {1}", "end": "{0} ⴷ {1}"}}


def list_patterns() -> dict[str, str]:
    """CLDR's "standard" list patterns of the current language: keys "2", "start", "middle", "end"."""
    lang = current_language()
    if lang in LIST_PATTERNS:
        return LIST_PATTERNS[lang]
    patterns = formatting_locale().list_patterns["standard"]
    return {key: patterns[key] for key in ("2", "start", "middle", "end")}


def format_list(items) -> str:
    """«a, b and c» with each language's separators (Arabic «و», Tamazight «ⴷ»), as CLDR builds it."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return items[0] if items else ""
    patterns = list_patterns()
    if len(items) == 2:
        return patterns["2"].format(*items)
    text = patterns["end"].format(items[-2], items[-1])
    for item in reversed(items[1:-2]):
        text = patterns["middle"].format(item, text)
    return patterns["start"].format(items[0], text)


def render_in(lang: str | None, template: str, **context) -> Markup:
    """Part of a page in another language than the page's: what staff print or read out for a person
    is in that person's language, while the page around it stays in the reader's."""
    from flask import render_template
    from flask_babel import force_locale

    with force_locale(supported(lang) or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return Markup(render_template(template, **context))


def switch_url(lang: str) -> str:
    """The current page in another language (works without JavaScript)."""
    if request.url_rule is None or request.method != "GET":
        return url_for("main.home", lang=lang)
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.script_root + request.path + "?" + urlencode([*args, ("lang", lang)])


def switch_next() -> str:
    """Where the signed-in switcher's form comes back to: this page without its `?lang=`."""
    if request.url_rule is None or request.method != "GET":
        return url_for("main.home")
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.script_root + request.path + ("?" + urlencode(args) if args else "")


def remember_in_cookie(response, lang: str) -> None:
    """The language this browser chose. A link (`?lang=`) changes only this; the switcher of a
    signed-in person also changes their profile (accounts.views.language): a GET never writes."""
    response.set_cookie(
        COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def remember_language_in_cookie(response):
        chosen = g.get("lang_chosen")
        if chosen and request.cookies.get(COOKIE) != chosen:
            remember_in_cookie(response, chosen)
        return response

    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_language=current_language,
        direction=direction,
        switch_url=switch_url,
        switch_next=switch_next,
        list_sep=list_separator,
        label_sep=label_separator,
        render_in=render_in,
    )
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, time=format_time, when=format_when, number=format_number, list=format_list,
    )
