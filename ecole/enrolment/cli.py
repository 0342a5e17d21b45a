"""`flask ecole expire-offers`: a batch job, safe to run twice."""
import click
from flask.cli import with_appcontext

from ecole.extensions import db


@click.command("expire-offers")
@with_appcontext
def expire_offers_command():
    """Pass every expired seat offer to the next person on the waitlist (run it every few minutes)."""
    from ecole.enrolment.services import expire_offers
    count = expire_offers()
    db.session.commit()  # (the notices are e-mailed by jobs)
    click.echo(f"{count} offre(s) expirée(s).")
