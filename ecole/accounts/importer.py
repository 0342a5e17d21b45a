"""CSV import of trainees: every row checked first, then all imported or nothing."""
import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ecole.accounts import services
from ecole.accounts.models import User
from ecole.accounts.services import AccountError
from ecole.extensions import db

COLUMNS = ("name_latin", "name_arabic", "name_tifinagh", "phone", "email", "gender", "birth_year",
           "commune", "audience", "organisation", "locale")
REQUIRED_COLUMNS = ("name_latin",)
MAX_ROWS = 10_000


@dataclass
class ImportReport:
    created: list[User] = field(default_factory=list)
    existing: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    codes: dict[int, str] = field(default_factory=dict)  # user id → one-time code to hand over


def read_rows(raw: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """Decode and parse the file: (line number, row) pairs, or errors about the file itself."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("Le fichier n’est pas en UTF-8 : enregistrez-le en « CSV UTF-8 ».")]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("colonnes manquantes : %(names)s", names=", ".join(missing)))
        if unknown:
            problems.append(_("colonnes inconnues : %(names)s", names=", ".join(unknown)))
        return [], [_("Ligne 1 : %(problem)s.", problem="; ".join(problems))]
    if "phone" not in header and "email" not in header:
        return [], [_("Ligne 1 : il faut une colonne phone ou email.")]
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                return [], [_("Le fichier dépasse %(max)d lignes.", max=MAX_ROWS)]
            if None in row:
                return [], [_("Ligne %(line)d : trop de valeurs.", line=reader.line_num)]
            if not any((value or "").strip() for value in row.values()):
                continue
            rows.append((reader.line_num, {key: (value or "").strip() for key, value in row.items()}))
    except csv.Error as error:
        return [], [_("Ligne %(line)d : %(problem)s", line=reader.line_num, problem=str(error))]
    return rows, []


def import_trainees(raw: bytes, *, actor: User | None) -> ImportReport:
    """Register every new person of the file; people already known (same phone or e-mail) are kept."""
    report = ImportReport()
    rows, report.errors = read_rows(raw)
    if report.errors:
        return report
    seen: dict[str, int] = {}
    planned: list[tuple[int, dict]] = []
    for line, row in rows:
        try:
            email = services.normalize_email(row.get("email"))
            phone = services.normalize_phone(row.get("phone"))
            if not email and not phone:
                raise AccountError(_("Donnez un numéro de téléphone ou une adresse e-mail."))
            for key in (email, phone):
                if key and key in seen:
                    raise AccountError(_("même personne qu’à la ligne %(line)d", line=seen[key]))
            matches = {user.id: user for user in (services.find_by_identifier(email), services.find_by_identifier(phone))
                       if user is not None}
            if len(matches) > 1:
                raise AccountError(_("le téléphone et l’e-mail appartiennent à deux comptes différents"))
            for key in (email, phone):
                if key:
                    seen[key] = line
            if matches:
                report.existing.append(next(iter(matches.values())))
                continue
            with db.session.no_autoflush:
                services.apply_profile(User(), row)  # the same checks as the registration form
            planned.append((line, row))
        except AccountError as error:
            report.errors.append(_("Ligne %(line)d : %(problem)s", line=line, problem=str(error)))
    if report.errors:
        report.existing.clear()
        return report
    for _line, row in planned:
        registration = services.register_user(row, actor=actor)
        report.created.append(registration.user)
        report.codes[registration.user.id] = registration.code
    return report
