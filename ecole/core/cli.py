"""What every command of `flask ecole` shares: failing with one line and changing nothing."""
import sys

import click
from flask_babel import gettext as _

from ecole.extensions import db


def fail(message: str) -> None:
    """One line on stderr and a non-zero exit; the caller has changed nothing."""
    db.session.rollback()
    click.echo(_("Erreur : %(message)s", message=message), err=True)
    sys.exit(1)
