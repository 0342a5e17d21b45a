"""`flask ecole issue-certificates --session ID` and `flask ecole certificates list`."""
import csv
import sys

import click
from flask_babel import gettext as _

from ecole.core.cli import fail
from ecole.extensions import db


@click.command("issue-certificates")
@click.option("--session", "session_id", type=int, required=True, help="The session whose certificates to issue.")
def issue_certificates_command(session_id: int):
    """Issue every certificate the session's validated results allow; safe to run twice."""
    from ecole.certificates import services
    from ecole.sessions.models import CourseSession

    course_session = db.session.get(CourseSession, session_id)
    if course_session is None:
        fail(_("Session %(id)s introuvable.", id=session_id))
    issued = services.issue_all(course_session, actor=None, checkpoint=lambda _done, _total: db.session.commit())
    db.session.commit()
    answer = services.eligibility(course_session)
    for enrolment, reasons in answer.refused:
        click.echo(f"{enrolment.user.name_latin}\t{' '.join(reasons)}", err=True)
    click.echo(_("%(issued)s certificat(s) délivré(s), %(total)s au total pour cette session, %(refused)s personne(s) "
                 "sans certificat.", issued=issued, total=len(answer.eligible), refused=len(answer.refused)))


@click.group("certificates")
def certificates_group():
    """Certificates issued by the school."""


@certificates_group.command("list")
@click.option("--session", "session_id", type=int, help="Only this session's certificates.")
@click.option("--format", "output_format", type=click.Choice(["text", "csv"]), default="text")
def list_command(session_id: int | None, output_format: str):
    """Code, holder, course, issued date, status."""
    from ecole.certificates.queries import certificate_rows

    rows = certificate_rows(session_id=session_id)
    if output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["code", "holder", "course", "issued", "status"])
        writer.writerows(rows)
        return
    for row in rows:
        click.echo("\t".join(row))


@click.group("signing-key")
def signing_key_group():
    """The school's keys that sign certificates (files in SIGNING_KEYS_DIR, never in the database)."""


@signing_key_group.command("create")
def create_key_command():
    """Create the first key (refused when one exists: use `rotate`)."""
    from ecole.certificates import keys

    if keys.all_keys():
        fail(_("Une clé de signature existe déjà : pour la remplacer, utilisez « %(command)s ».",
               command="flask --app wsgi ecole signing-key rotate"))
    key = keys.create_key()
    click.echo(_("Clé de signature créée : %(path)s", path=str(key.path)))


@signing_key_group.command("rotate")
def rotate_key_command():
    """A new key signs from now on; the older ones stay published, so their certificates still verify."""
    from ecole.certificates import keys

    key = keys.create_key()
    click.echo(_("Nouvelle clé de signature : %(path)s", path=str(key.path)))


@signing_key_group.command("list")
def list_keys_command():
    """The keys, newest first (the first one signs), with their public key as published."""
    from ecole.certificates import credential, keys

    for number, key in enumerate(keys.all_keys()):
        click.echo(f"{key.stamp}\t{credential.multikey_public(key.public)}\t{'signs' if number == 0 else 'retired'}")
