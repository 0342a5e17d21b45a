"""The trip's printed documents: the road book staff carry on the road, and the published trip report.

Each language of a road book is rendered under `force_locale`, so its labels, dates and amounts are
that language's and the part reads in its own direction; the parts follow one another, each from a
new page. The report's photos are embedded as data: URIs (the PDF fetcher reads nothing else but
static files), and only the photos the report query publishes: everyone visible in them agreed.
"""
import base64
import unicodedata
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from markupsafe import Markup

from ecole.accounts.models import User
from ecole.core.storage import StorageError, get_storage
from ecole.i18n import LANGUAGE_LABELS, LANGUAGE_NAMES, format_date, format_number
from ecole.trips import queries
from ecole.trips.models import ReportPhoto, Trip, Vehicle, localized


@dataclass
class Rider:
    person: User
    vehicle: Vehicle | None


@dataclass
class VehicleLoad:
    vehicle: Vehicle
    riders: list[User] = field(default_factory=list)


@dataclass
class RoadBook:
    """What a road book prints, the same in every language."""

    trip: Trip
    riders: list[Rider]
    vehicles: list[VehicleLoad]
    without_vehicle: list[User]
    funding_total: int


def road_book(trip: Trip) -> RoadBook:
    riders = [Rider(enrolment.user, application.vehicle if application else None)
              for enrolment, application in queries.participants(trip)]
    loads = {vehicle.id: VehicleLoad(vehicle) for vehicle in trip.vehicles}
    for rider in riders:
        if rider.vehicle is not None and rider.vehicle.id in loads:
            loads[rider.vehicle.id].riders.append(rider.person)
    return RoadBook(trip, riders, list(loads.values()),
                    [rider.person for rider in riders if rider.vehicle is None or rider.vehicle.id not in loads],
                    sum(row.amount for row in trip.funding))


def dirhams(amount: int) -> str:
    """An amount in the current language, Latin digits (called while a language is forced)."""
    return ngettext("%(amount)s dirham", "%(amount)s dirhams", amount, amount=format_number(amount))


def date_span(start, end) -> str:
    first, last = format_date(start, "long"), format_date(end, "long")
    if not first or first == last or not last:
        return first
    return f"{first} – {last}"


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def text_direction(text: str) -> str:
    """The direction of a text typed in any script, as dir="auto" would find it (WeasyPrint does not):
    that of its first letter."""
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _helpers() -> dict:
    return {"localized": localized, "dirhams": dirhams, "date_span": date_span, "lines": lines,
            "text_direction": text_direction, "LANGUAGE_LABELS": LANGUAGE_LABELS}


def road_book_pdf(trip: Trip, languages: list[str]) -> bytes:
    from ecole.core.pdf import render_pdf  # WeasyPrint loads on first print, not when the app starts

    languages = ([code for code in dict.fromkeys(languages) if code in LANGUAGE_NAMES]
                 or [current_app.config["BABEL_DEFAULT_LOCALE"]])
    book = road_book(trip)
    parts = []
    for code in languages:
        with force_locale(code):
            parts.append(Markup(render_template("pdf/road_book.html", part="language", book=book, trip=trip,
                                                lang=code, **_helpers())))
    with force_locale(languages[0]):
        html = render_template("pdf/road_book.html", part="document", parts=parts, trip=trip, lang=languages[0],
                               **_helpers())
    return render_pdf(html, stylesheet="css/pdf.css")


@dataclass
class PrintedPhoto:
    photo: ReportPhoto
    src: str  # a data: URI


def _embedded(photos: list[ReportPhoto]) -> list[PrintedPhoto]:
    printed = []
    for photo in photos:
        try:
            data = get_storage().get(photo.storage_key)
        except StorageError:  # a lost file leaves a gap in the report, not an error page
            current_app.logger.warning("trip photo %s: no file under %s", photo.id, photo.storage_key)
            continue
        printed.append(PrintedPhoto(photo, "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")))
    return printed


def report_pdf(trip: Trip, lang: str) -> bytes:
    from ecole.core.pdf import render_pdf

    lang = lang if lang in LANGUAGE_NAMES else current_app.config["BABEL_DEFAULT_LOCALE"]
    stops = [(stop_report, _embedded(stop_report.photos))
             for stop_report in queries.report(trip, published_only=True)]
    with force_locale(lang):
        html = render_template("pdf/trip_report.html", trip=trip, stops=stops, lang=lang, **_helpers())
    return render_pdf(html, stylesheet="css/pdf.css")
