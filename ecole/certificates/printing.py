"""The certificate as printed: one A4 landscape page in French, Arabic (right to left) and Tamazight
(Tifinagh), the holder's names as in their profile, the course title in the three languages, hours,
dates, place, trainers and issuer, the code and a QR code to its verification page. Archival PDF
(PDF/A-3b) through core/pdf.py, with its title, author and language. Every label comes from the
catalogues, each under `force_locale`."""
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.catalogue.models import LOCALES
from ecole.certificates.models import KIND_TITLES, Certificate, CertificateKind
from ecole.i18n import format_date, format_number


def verify_url(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def qr_svg(text: str) -> str:
    import segno

    return segno.make(text, error="m").svg_inline(scale=3, border=2, omitsize=True)


def _in(lang: str, make):
    with force_locale(lang):
        return make()


def certificate_html(certificate: Certificate) -> str:
    kind = CertificateKind(certificate.kind)
    parts = {}
    for lang in LOCALES:
        parts[lang] = _in(lang, lambda lang=lang: {
            "kind": str(KIND_TITLES[kind]),
            "given_to": _("est délivré(e) à"),
            "for": _("pour avoir suivi la formation"),
            "hours": _("%(hours)s heures de formation suivies", hours=format_number(certificate.hours)),
            "dates": (_("du %(start)s au %(end)s", start=format_date(certificate.starts_on, "long"),
                        end=format_date(certificate.ends_on, "long"))
                      if certificate.starts_on and certificate.ends_on and certificate.starts_on != certificate.ends_on
                      else format_date(certificate.starts_on, "long") if certificate.starts_on else ""),
            "place": _("Lieu : %(place)s", place=certificate.place),
            "trainers": _("Formateurs : %(names)s", names=certificate.trainers),
            "issued": _("Délivré le %(date)s", date=format_date(certificate.issued_at, "long")),
            "verify": _("Vérifier ce document :"),
        })
    # Long names, titles or lists of trainers are set smaller, so the footer and its QR code keep their place.
    longest = max(len(certificate.holder_latin), len(certificate.place),
                  *(len(title) for title in certificate.course_titles.values()))
    long = longest > 45 or len(certificate.trainers) > 60
    logo, signatures = _printed_assets()
    with force_locale("fr"):
        return render_template("pdf/certificate.html", certificate=certificate, parts=parts, languages=LOCALES, long=long,
                               logo=logo, signatures=signatures,
                               url=verify_url(certificate.code), qr=qr_svg(verify_url(certificate.code)))


def _printed_assets():
    """The logo and signatures as data: URIs (the PDF fetcher reads nothing else but static files)."""
    import base64

    from ecole.certificates.services import assets
    from ecole.core.storage import StorageError, get_storage

    def uri(asset):
        try:
            return "data:image/png;base64," + base64.b64encode(get_storage().get(asset.storage_key)).decode()
        except StorageError:
            current_app.logger.warning("certificate asset %s missing: printed without it", asset.storage_key)
            return None

    logo, signatures = assets()
    logo_uri = uri(logo) if logo else None
    printed = [(asset, uri(asset)) for asset in signatures]
    return logo_uri, [(asset, data) for asset, data in printed if data]


def certificate_pdf(certificate: Certificate) -> bytes:
    """PDF/A-3b with the signed credential embedded (credential.json), as the standard allows."""
    import json

    from ecole.core.pdf import render_pdf

    attachments = []
    if certificate.credential:
        data = json.dumps(certificate.credential, ensure_ascii=False, indent=2)
        attachments.append(("credential.json", data, "Open Badges 3.0 credential, signed (eddsa-rdfc-2022)"))
    return render_pdf(certificate_html(certificate), archival=True, attachments=attachments)
