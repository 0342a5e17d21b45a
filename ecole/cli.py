"""`flask --app wsgi ecole …`: the operators' commands (see CONTRACT.md)."""
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade

from ecole.core.cli import fail
from ecole.extensions import db

ecole_cli = AppGroup("ecole", help="Ecole: set-up and administration commands.")


@ecole_cli.command("init")
def init_command():
    """Create or upgrade the schema, import courses/, create the first administrator and signing key if none."""
    from ecole.accounts.services import ensure_first_admin
    from ecole.catalogue.cli import import_on_init
    from ecole.certificates import keys

    upgrade()
    import_on_init()
    created = ensure_first_admin()
    db.session.commit()
    if not keys.all_keys():  # the school's first signing key (later ones: `signing-key rotate`)
        click.echo(f"Clé de signature des certificats créée : {keys.create_key().path}")
    if created:
        user, password = created
        click.echo("Premier administrateur créé — notez ce mot de passe, il ne sera plus affiché :")
        click.echo(f"  identifiant : {user.email}")
        click.echo(f"  mot de passe à usage unique : {password}")
        click.echo("  (un nouveau mot de passe sera demandé à la première connexion)")
    click.echo("Base de données prête.")


@ecole_cli.command("create-user")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(["admin", "trainer", "trainee"]))
@click.option("--email")
@click.option("--phone")
@click.option("--name", required=True, help="Full name in Latin script, as on certificates.")
@click.option("--name-arabic", default="")
@click.option("--locale", default="fr", type=click.Choice(["fr", "ar", "zgh"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(roles, email, phone, name, name_arabic, locale, password_stdin):
    """Create one account."""
    from ecole.accounts.passwords import new_password
    from ecole.accounts.services import AccountError, create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else new_password()
    data = {"email": email, "phone": phone, "name_latin": name, "name_arabic": name_arabic, "locale": locale}
    try:
        user = create_user(data, roles=tuple(roles), password=password, actor=None)
    except AccountError as error:
        fail(str(error))
    user.must_change_password = not password_stdin
    db.session.commit()
    click.echo(f"Compte {user.id} créé : {user.identifier} ({', '.join(sorted(user.roles))})")
    if not password_stdin:
        click.echo(f"Mot de passe à usage unique : {password}")


@ecole_cli.command("import-trainees")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--session", "session_id", type=int, help="Also enrol everyone of the file in this session.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, import nothing.")
def import_trainees_command(path: Path, session_id: int | None, dry_run: bool):
    """Register the people of a CSV file (see README: "CSV of trainees"); all rows or none."""
    from ecole.accounts.importer import import_trainees

    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(f"{path}: {error.strerror}")
    course_session = None
    if session_id is not None:
        from ecole.sessions.models import CourseSession

        course_session = db.session.get(CourseSession, session_id)
        if course_session is None:
            fail(f"session {session_id} introuvable.")
    report = import_trainees(raw, actor=None)
    if not report.errors and course_session is not None:
        report.errors = _enrol_all(course_session, report.created + report.existing)
    if report.errors:
        db.session.rollback()
        for line in report.errors:
            click.echo(line, err=True)
        fail(f"{len(report.errors)} ligne(s) en erreur, rien n’a été importé.")
    for user in report.created:
        code = "" if dry_run else f"\tcode {report.codes[user.id]}"
        click.echo(f"créé\t{user.identifier}\t{user.name_latin}{code}")
    for user in report.existing:
        click.echo(f"existant\t{user.identifier}\t{user.name_latin}")
    if dry_run:
        db.session.rollback()
        click.echo(f"Essai : {len(report.created)} à créer, {len(report.existing)} déjà inscrits. Rien n’a été importé.")
    else:
        db.session.commit()  # (their notices are e-mailed by jobs)
        click.echo(f"{len(report.created)} créé(s), {len(report.existing)} déjà inscrit(s).")


def _enrol_all(course_session, people) -> list[str]:
    """Enrol each person (confirmed or waitlisted by capacity); people already enrolled are left as they are."""
    from ecole.enrolment.models import Enrolment
    from ecole.enrolment.services import EnrolmentError, enrol

    errors = []
    actor = _system_actor()
    for person in people:
        existing = db.session.scalar(db.select(Enrolment).where(Enrolment.session_id == course_session.id,
                                                                Enrolment.user_id == person.id))
        if existing is not None and existing.is_active:
            continue
        try:
            enrolment = enrol(course_session, person, actor=actor, walk_in=True)
        except EnrolmentError as error:
            errors.append(f"{person.identifier} : {error}")
            continue
        click.echo(f"inscrit\t{person.identifier}\t{enrolment.status}")
    return errors


def _system_actor():
    """Enrolments made from the command line are recorded as made by the first administrator."""
    from ecole.accounts.models import User, UserRole

    return db.session.scalar(db.select(User).join(UserRole).where(UserRole.role == "admin").order_by(User.id).limit(1))


def init_app(app: Flask) -> None:
    """`flask ecole …`: this module's commands and each domain's, written out."""
    from ecole.attendance import cli as attendance_cli
    from ecole.catalogue import cli as catalogue_cli
    from ecole.certificates import cli as certificates_cli
    from ecole.demo import demo_command
    from ecole.enrolment import cli as enrolment_cli
    from ecole.jobs import cli as jobs_cli
    from ecole.reports import cli as reports_cli

    for command in (catalogue_cli.import_courses_command, catalogue_cli.export_courses_command,
                    enrolment_cli.expire_offers_command, jobs_cli.worker_command, jobs_cli.jobs_group,
                    attendance_cli.sign_in_sheet_command, certificates_cli.issue_certificates_command,
                    certificates_cli.certificates_group, certificates_cli.signing_key_group, reports_cli.report_command,
                    demo_command):
        ecole_cli.add_command(command)
    app.cli.add_command(ecole_cli)


@ecole_cli.command("seed-scale")
@click.option("--courses", default=0, type=click.IntRange(0, 100_000))
@click.option("--trainees", default=0, type=click.IntRange(0, 1_000_000))
@click.option("--sessions", default=0, type=click.IntRange(0, 100_000))
@click.option("--enrolments", default=0, type=click.IntRange(0, 1_000_000))
@click.option("--register", default=0, type=click.IntRange(0, 1_000), help="A held meeting with this many trainees marked.")
@click.option("--held", default=0, type=click.IntRange(0, 100_000),
              help="Of the sessions, this many took place over the past year: marks, registers, validated results.")
@click.option("--programme", is_flag=True, help="A funder's programme, SCALE-PROG, over most of the sessions.")
def seed_scale_command(courses, trainees, sessions, enrolments, register, held, programme):
    """Synthetic data for benchmarks (safe to run twice: existing rows are kept)."""
    from ecole.seeding import seed_scale

    report = seed_scale(courses=courses, trainees=trainees, sessions=sessions, enrolments=enrolments, register=register,
                        held=held, programme=programme)
    db.session.commit()
    click.echo(", ".join(f"{name}: +{count}" for name, count in report.items()))


# --- backups (ecole/core/backup.py says what an archive holds) ----------------------------------

@ecole_cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--keep-daily", default=0, type=click.IntRange(0, 10_000),
              help="PATH a folder: keep its newest archive of each of the last N days…")
@click.option("--keep-weekly", default=0, type=click.IntRange(0, 10_000), help="…of the last N weeks…")
@click.option("--keep-monthly", default=0, type=click.IntRange(0, 10_000),
              help="…and of the last N months; delete its other dated archives.")
def backup_command(path: Path, keep_daily: int, keep_weekly: int, keep_monthly: int):
    """Write one archive (PATH.tar.gz, or a dated name in the folder PATH) of the database and every stored file."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    from ecole.core.backup import BackupError, files_in, make_backup, prune_archives, rows_in
    from ecole.core.storage import StorageError
    from ecole.privacy.services import write_ledger

    pruning = keep_daily or keep_weekly or keep_monthly
    if pruning and not path.is_dir():
        fail(_("--keep-daily, --keep-weekly et --keep-monthly s’appliquent à un dossier d’archives : %(path)s",
               path=str(path)))
    try:
        write_ledger()  # every erasure in the ledger (and so in the archive) before the copy is made
    except StorageError as error:
        fail(str(error))
    try:
        made = make_backup(path, actor=None)
    except BackupError as error:
        fail(str(error))
    db.session.commit()  # its audit entry
    click.echo(_("Sauvegarde écrite : %(path)s (%(rows)s, %(files)s, %(size)s)", path=str(made.path),
                 rows=_rows(rows_in(made.manifest)), files=_files(files_in(made.manifest)),
                 size=ngettext("%(num)d octet", "%(num)d octets", made.path.stat().st_size)))
    for key in made.manifest["missing_files"]:
        click.echo(_("Attention : fichier supprimé pendant la sauvegarde, absent de l’archive : %(key)s", key=key),
                   err=True)
    if pruning:
        for old in prune_archives(path, daily=keep_daily, weekly=keep_weekly, monthly=keep_monthly):
            click.echo(_("Ancienne archive supprimée : %(path)s", path=str(old)))


@ecole_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or stored files that are not empty.")
def restore_command(path: Path, force: bool):
    """Check an archive, then put its database and files in place of the configured ones (stop the servers first)."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    from ecole.catalogue.models import Theme
    from ecole.core.backup import BackupError, files_in, restore_backup, rows_in
    from ecole.core.storage import StorageError
    from ecole.privacy.services import PrivacyError, reapply_erasures

    # Rows a freshly migrated database holds already do not make it hold data: the school's themes (inserted
    # by a migration) and the page caches' tokens (data_versions, renewed by any write, migrations included).
    seeded = {Theme.__tablename__, "data_versions"}
    try:
        manifest = restore_backup(path, force=force, seeded_tables=seeded, actor=None)
    except BackupError as error:
        fail(str(error))
    click.echo(_("Sauvegarde du %(date)s restaurée (%(rows)s, %(files)s) ; schéma mis à jour.",
                 date=manifest["created_at"][:19].replace("T", " ") + " UTC", rows=_rows(rows_in(manifest)),
                 files=_files(files_in(manifest))))
    # The people erased since the archive was made stay erased (ecole/privacy/services.py, the ledger).
    try:
        again = reapply_erasures(archive=path.name)
        db.session.commit()
    except (PrivacyError, StorageError) as error:
        db.session.rollback()
        fail(str(error))
    if again:
        click.echo(ngettext("%(num)d personne effacée après cette sauvegarde l’est de nouveau (n° %(ids)s).",
                            "%(num)d personnes effacées après cette sauvegarde le sont de nouveau (n° %(ids)s).",
                            len(again), ids=", ".join(map(str, again))))


def _rows(count: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)d ligne", "%(num)d lignes", count)


def _files(count: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)d fichier", "%(num)d fichiers", count)
