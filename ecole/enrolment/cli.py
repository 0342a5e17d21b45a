"""`flask ecole expire-offers` (a batch job, safe to run twice) and enrolment from a CSV file."""
import click

from ecole.cli import ecole_cli
from ecole.extensions import db


@ecole_cli.command("expire-offers")
def expire_offers_command():
    """Pass every expired seat offer to the next person on the waitlist (run it every few minutes)."""
    from ecole.enrolment.services import expire_offers
    from ecole.notifications.services import deliver_pending

    count = expire_offers()
    db.session.commit()
    deliver_pending()
    click.echo(f"{count} offre(s) expirée(s).")
