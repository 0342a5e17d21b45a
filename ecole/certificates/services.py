"""Issuing certificates: who may have one (the session's validated results), one at a time or a whole
session, never twice for the same enrolment; revoking and re-issuing with a reason.

Issuing is idempotent per enrolment: the partial unique index on the valid certificate of an enrolment
makes a second issue (a retry, two workers, a double click) find the first instead of adding one. The
PDF is rendered outside the write lock, stored once under its code, and its SHA-256 recorded with the
row; a row whose insert loses the race deletes the file it stored."""
import hashlib
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecole.accounts.models import User
from ecole.attendance.models import REASON_TITLES, CompletionRule, Result
from ecole.catalogue.models import LOCALES
from ecole.certificates.codes import new_code
from ecole.certificates.models import Certificate, CertificateAsset, CertificateKind, CertificateStatus
from ecole.core.audit import record
from ecole.core.models import utcnow
from ecole.core.storage import MissingFile, discard, discard_after_commit, get_storage
from ecole.core.timezone import school_zone
from ecole.core.transactions import lock_row, take_write_lock, without_write_lock
from ecole.enrolment.models import Enrolment, EnrolmentStatus
from ecole.extensions import db
from ecole.sessions.models import CourseSession

ACTION_TITLES = {
    "certificate.issue": _l("Certificat délivré"),
    "certificate.revoke": _l("Certificat révoqué"),
    "certificate.reissue": _l("Certificat délivré à nouveau (correction)"),
    "certificate.export": _l("Export de la liste des certificats"),
    "certificate.asset_add": _l("Logo ou signature des certificats ajouté"),
    "certificate.asset_remove": _l("Logo ou signature des certificats retiré"),
}
ISSUER = "École Pratique de Développement Rural — Migrations & Développement"


class CertificateError(ValueError):
    """A refused certificate operation; str(error) is a translated message."""


@dataclass
class Eligibility:
    eligible: list[Enrolment] = field(default_factory=list)
    refused: list[tuple[Enrolment, list[str]]] = field(default_factory=list)  # who, and why (translated)


def eligibility(course_session: CourseSession) -> Eligibility:
    """Who may have a certificate: a completed enrolment whose result the trainer validated."""
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.session_id == course_session.id,
        Enrolment.status.in_([EnrolmentStatus.CONFIRMED.value, EnrolmentStatus.COMPLETED.value,
                              EnrolmentStatus.NOT_COMPLETED.value])).order_by(Enrolment.id)).all()
    results = {r.enrolment_id: r for r in db.session.scalars(
        select(Result).where(Result.enrolment_id.in_([e.id for e in enrolments] or [-1])))}
    answer = Eligibility()
    for enrolment in enrolments:
        reasons = refusal_reasons(enrolment, results.get(enrolment.id))
        if reasons:
            answer.refused.append((enrolment, reasons))
        else:
            answer.eligible.append(enrolment)
    return answer


def refusal_reasons(enrolment: Enrolment, result: Result | None) -> list[str]:
    if enrolment.user.erased_at is not None:
        return [_("Les données de cette personne ont été effacées à sa demande.")]
    if result is None or not result.is_locked or enrolment.status == EnrolmentStatus.CONFIRMED:
        return [_("Les résultats de la session ne sont pas encore validés.")]
    if not result.completed or enrolment.status != EnrolmentStatus.COMPLETED:
        return [str(REASON_TITLES.get(code, code)) for code in (result.reasons or [])] or [
            _("La formation n’est pas achevée.")]
    return []


def kind_for(enrolment: Enrolment) -> CertificateKind:
    """A course that asks for a passed assessment gives a certificate of achievement, others an
    attestation of participation."""
    rule = db.session.get(CompletionRule, enrolment.course_session.course_id)
    return CertificateKind.ACHIEVEMENT if rule is not None and rule.requires_assessment else CertificateKind.PARTICIPATION


def valid_certificate(enrolment_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id,
                                                       Certificate.status == CertificateStatus.VALID.value))


def _snapshot(enrolment: Enrolment, result: Result) -> Certificate:
    course_session = enrolment.course_session
    zone = school_zone()
    meetings = [m for m in course_session.meetings if not m.is_cancelled] or course_session.meetings
    person = enrolment.user
    return Certificate(
        enrolment_id=enrolment.id, kind=kind_for(enrolment).value, status=CertificateStatus.VALID.value,
        holder_latin=person.name_latin, holder_arabic=person.name_arabic or "",
        course_titles={code: course_session.course.title(code) for code in LOCALES},
        minutes_attended=result.minutes_attended,
        starts_on=min(m.starts_at for m in meetings).astimezone(zone).date() if meetings else None,
        ends_on=max(m.ends_at for m in meetings).astimezone(zone).date() if meetings else None,
        place=course_session.venue.label(),
        # A trainer erased on request is not printed (a certificate is no place for a placeholder).
        trainers=", ".join(t.name_latin for t in course_session.trainers if t.erased_at is None), issuer=ISSUER)


def issuer_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def signed_credential(certificate: Certificate, enrolment: Enrolment) -> dict:
    """The certificate as an Open Badges 3.0 credential, signed with the school's current key."""
    import secrets

    from flask_babel import force_locale

    from ecole.attendance.completion import rule_for
    from ecole.certificates import credential, keys
    from ecole.certificates.printing import verify_url

    key = keys.current_key()
    person = enrolment.user
    course = enrolment.course_session.course
    rule = rule_for(course.id)
    criteria, descriptions = {}, {}
    for lang in LOCALES:
        with force_locale(lang):
            criteria[lang] = _("Avoir suivi au moins %(percent)s %% des heures de la formation.", percent=rule.min_attendance) + (
                " " + _("Avoir réussi l’évaluation pratique.") if rule.requires_assessment else "")
        text, shown = course.text(lang)
        if text is not None and shown == lang and text.summary:
            descriptions[lang] = text.summary
    descriptions.setdefault("fr", certificate.course_titles.get("fr", ""))
    names = {"latin": certificate.holder_latin}
    if certificate.holder_arabic:
        names["arabic"] = certificate.holder_arabic
    if person.name_tifinagh:
        names["tifinagh"] = person.name_tifinagh
    unsigned = credential.build_credential(
        code=certificate.code, verify_url=verify_url(certificate.code), issuer_url=issuer_url(), issuer_name=ISSUER,
        holder_identifier=person.email or person.phone or f"user:{person.id}", salt=secrets.token_hex(16), names=names,
        course_titles={k: v for k, v in certificate.course_titles.items() if v}, descriptions=descriptions,
        criteria=criteria, hours=certificate.hours, valid_from=certificate.issued_at, kind=certificate.kind)
    return credential.sign(unsigned, key.private_bytes(), credential.verification_method(issuer_url(), key.public),
                           certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"))


def issue(enrolment: Enrolment, *, actor: User | None, supersedes: Certificate | None = None,
          reason: str = "") -> Certificate:
    """The enrolment's valid certificate: the one there is, else a new one (rendered, stored, recorded).
    Refused (CertificateError) when the enrolment is not eligible."""
    from ecole.certificates.printing import certificate_pdf

    existing = valid_certificate(enrolment.id)
    if existing is not None and supersedes is None:
        return existing
    result = db.session.scalar(select(Result).where(Result.enrolment_id == enrolment.id))
    reasons = refusal_reasons(enrolment, result)
    if reasons:
        raise CertificateError(_("Pas de certificat pour %(name)s : %(reasons)s", name=enrolment.user.name_latin,
                                 reasons=" ".join(reasons)))
    certificate = _snapshot(enrolment, result)
    certificate.code = new_code(utcnow().astimezone(school_zone()).year)
    certificate.issued_at, certificate.issued_by_id = utcnow(), actor.id if actor else None
    certificate.credential = signed_credential(certificate, enrolment)
    with without_write_lock():  # rendering takes a moment: other people's writes go on meanwhile
        pdf = certificate_pdf(certificate)
    key = f"certificates/{certificate.code}.pdf"
    storage = get_storage()
    storage.put(key, pdf, content_type="application/pdf")
    certificate.storage_key, certificate.sha256 = key, hashlib.sha256(pdf).hexdigest()
    take_write_lock()
    try:
        with db.session.begin_nested():
            if supersedes is not None:
                lock_row(supersedes)
                if supersedes.status != CertificateStatus.VALID:
                    raise CertificateError(_("Ce certificat n’est plus valide : il ne peut pas être remplacé."))
                supersedes.status = CertificateStatus.SUPERSEDED.value
                supersedes.supersede_reason = reason
                db.session.flush()
            db.session.add(certificate)
            db.session.flush()
            if supersedes is not None:
                supersedes.superseded_by_id = certificate.id
    except IntegrityError:  # another worker issued it meanwhile: that one stands, this file goes
        _delete_quietly(key)
        found = valid_certificate(enrolment.id)
        if found is None:
            raise
        return found
    except BaseException:
        _delete_quietly(key)
        raise
    if supersedes is not None:
        record("certificate.reissue", certificate, actor=actor, replaces=supersedes.code, reason=reason)
    else:
        record("certificate.issue", certificate, actor=actor, enrolment=enrolment.id)
    db.session.flush()
    return certificate


def _delete_quietly(key: str) -> None:
    discard([key])


def to_issue(course_session: CourseSession) -> list[Enrolment]:
    """The eligible enrolments that have no valid certificate yet: what a bulk run still has to do."""
    return [enrolment for enrolment in eligibility(course_session).eligible if valid_certificate(enrolment.id) is None]


def issue_all(course_session: CourseSession, *, actor: User | None, checkpoint) -> int:
    """Every certificate the session's results allow, one after the other; `checkpoint(done, total)`
    commits after each (a job's progress, the command's commit), so that a worker killed midway loses
    at most the certificate it was making, and a second run goes on from there. Returns how many were
    issued by this run."""
    todo = to_issue(course_session)
    issued = 0
    for number, enrolment in enumerate(todo, start=1):
        if valid_certificate(enrolment.id) is None:  # another worker may have made it meanwhile
            issue(enrolment, actor=actor)
            issued += 1
        checkpoint(number, len(todo))
    return issued


def revoke(certificate: Certificate, reason: str, *, actor: User) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Donnez une raison : elle sera affichée sur la page de vérification."))
    lock_row(certificate)
    if certificate.status != CertificateStatus.VALID:
        raise CertificateError(_("Seul un certificat valide peut être révoqué."))
    certificate.status, certificate.revoked_at, certificate.revoke_reason = CertificateStatus.REVOKED.value, utcnow(), reason
    record("certificate.revoke", certificate, actor=actor, reason=reason)
    db.session.flush()
    return certificate


def reissue(certificate: Certificate, reason: str, *, actor: User) -> Certificate:
    """A correction (a name misspelt in the profile, corrected since): a new certificate from the
    profile and results as they are now, which supersedes this one."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Donnez une raison : elle sera affichée sur la page de vérification."))
    return issue(certificate.enrolment, actor=actor, supersedes=certificate, reason=reason)


def by_code(code: str | None) -> Certificate | None:
    from sqlalchemy.orm import defer, lazyload

    from ecole.certificates.codes import normalize

    normal = normalize(code or "")
    if normal is None:
        return None
    # The row alone: the verification page needs neither the enrolment's joins nor the credential.
    return db.session.scalar(select(Certificate).where(Certificate.code == normal)
                             .options(lazyload(Certificate.enrolment), defer(Certificate.credential)))


def by_file(data: bytes) -> Certificate | None:
    """The certificate whose stored PDF is, byte for byte, `data` (its SHA-256 first, then the bytes).
    A certificate whose holder was erased no longer has its PDF stored: its SHA-256 alone answers, so
    that the person, who still holds the file, can still show it is genuine."""
    digest = hashlib.sha256(data).hexdigest()
    for certificate in db.session.scalars(select(Certificate).where(Certificate.sha256 == digest)):
        if certificate.holder_erased_at is not None and not certificate.storage_key:
            return certificate
        try:
            if get_storage().get(certificate.storage_key) == data:
                return certificate
        except MissingFile:
            continue
    return None


# --- the logo and the signatures printed on certificates ------------------------------------------------

ASSET_MAX_BYTES = 2 * 1024 * 1024
ASSET_LONG_SIDE = 1200


def assets() -> tuple["CertificateAsset | None", list["CertificateAsset"]]:
    """The logo (or None) and the signatures, in the order they were added."""
    rows = db.session.scalars(select(CertificateAsset).order_by(CertificateAsset.id)).all()
    logos = [row for row in rows if row.kind == "logo"]
    return (logos[-1] if logos else None), [row for row in rows if row.kind == "signature"]


def add_asset(kind: str, filename: str, stream, *, actor: User, name: str = "", title: str = ""):
    """A logo (it replaces the one there is) or a signature (with the signatory's name and role): a JPEG
    or PNG image, re-encoded as PNG (transparency kept, metadata dropped)."""
    import io

    from ecole.core.uploads import UploadRefused, checked_kind, decode_image, read_stream

    if kind not in ("logo", "signature"):
        raise CertificateError(_("Choisissez un logo ou une signature."))
    name, title = (name or "").strip(), (title or "").strip()
    if kind == "signature" and not name:
        raise CertificateError(_("Indiquez le nom de la personne qui signe."))
    if len(name) > 160 or len(title) > 160:
        raise CertificateError(_("Le nom ou la fonction est trop long (%(max)d caractères au plus).", max=160))
    with without_write_lock():
        data = read_stream(stream, ASSET_MAX_BYTES)
        if checked_kind(filename, data) == "pdf":
            raise UploadRefused(_("Seules les photos JPEG ou PNG sont acceptées."))
        from PIL import Image

        with Image.open(io.BytesIO(data)) as probe:
            transparent = probe.mode in ("RGBA", "LA", "P")
        try:
            image = decode_image(data, current_app.config["SCAN_MAX_PIXELS"])
            if transparent:
                image = Image.open(io.BytesIO(data)).convert("RGBA")
            image.thumbnail((ASSET_LONG_SIDE, ASSET_LONG_SIDE))
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
        except UploadRefused:
            raise
        except Exception:  # noqa: BLE001  any decoder error on untrusted bytes is a refusal
            raise UploadRefused(_("Le fichier est endommagé ou illisible. Refaites la photo ou le scan et réessayez.")) from None
    take_write_lock()
    asset = CertificateAsset(kind=kind, name=name, title=title, width=image.width, height=image.height,
                             uploaded_by_id=actor.id)
    db.session.add(asset)
    db.session.flush()
    asset.storage_key = f"certificates/assets/{asset.id}.png"
    get_storage().put(asset.storage_key, out.getvalue(), content_type="image/png")
    if kind == "logo":
        for old in db.session.scalars(select(CertificateAsset).where(CertificateAsset.kind == "logo",
                                                                     CertificateAsset.id != asset.id)):
            db.session.delete(old)
    record("certificate.asset_add", asset, actor=actor, kind=kind, name=name)
    db.session.flush()
    return asset


def remove_asset(asset, *, actor: User) -> None:
    db.session.delete(asset)
    record("certificate.asset_remove", asset, actor=actor, kind=asset.kind, name=asset.name)
    db.session.flush()


# --- erasure on request (ecole/privacy/ composes it) -------------------------------------------------

def erase_holder(user: User, *, now) -> int:
    """The certificates of a person erased on request stay (a code that was shown must still verify),
    marked as belonging to an erased holder: the names are emptied, the stored PDF, which prints them,
    is deleted once the erasure is committed (its SHA-256 stays: the file the person holds can still be
    checked), and the signed credential is signed again without the names (the holder is left as the
    salted hash of their phone or e-mail it already held). Code, course, dates, hours and status stay.
    Returns how many certificates were marked."""
    from ecole.certificates import credential, keys

    certificates = db.session.scalars(select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
                                      .where(Enrolment.user_id == user.id)).all()
    keys_to_delete = [certificate.storage_key for certificate in certificates if certificate.storage_key]
    key = keys.current_key() if any(certificate.credential for certificate in certificates) else None
    for certificate in certificates:
        certificate.holder_latin, certificate.holder_arabic = "", ""
        certificate.holder_erased_at, certificate.storage_key = now, ""
        if certificate.credential:
            unsigned = {name: value for name, value in certificate.credential.items() if name != "proof"}
            subject = dict(unsigned["credentialSubject"])
            subject["identifier"] = [item for item in subject.get("identifier", []) if item.get("identityType") != "name"]
            unsigned["credentialSubject"] = subject
            certificate.credential = credential.sign(
                unsigned, key.private_bytes(), credential.verification_method(issuer_url(), key.public),
                now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    db.session.flush()
    discard_after_commit(db.session(), keys_to_delete)
    return len(certificates)
