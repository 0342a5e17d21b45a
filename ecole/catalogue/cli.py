"""`flask ecole import-courses` and `export-courses`; `init` imports courses/ too."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ecole.core.cli import fail
from ecole.extensions import db


def print_report(report, dry_run: bool) -> None:
    for label, slugs in (("créée", report.created), ("mise à jour", report.updated), ("inchangée", report.unchanged)):
        for slug in slugs:
            click.echo(f"{label}\t{slug}")
    summary = (f"{len(report.created)} créée(s), {len(report.updated)} mise(s) à jour, "
               f"{len(report.unchanged)} inchangée(s)")
    click.echo(("Essai, rien n’a été écrit : " if dry_run else "") + summary + ".")


def run_import(directory: Path, dry_run: bool) -> None:
    from ecole.catalogue.services import import_catalogue

    report = import_catalogue(directory, actor=None)
    if report.problems:
        for problem in report.problems:
            click.echo(problem, err=True)
        fail(f"{len(report.problems)} problème(s) dans {directory}, rien n’a été importé.")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    print_report(report, dry_run)


@click.command("import-courses")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
def import_courses_command(directory: Path | None, dry_run: bool):
    """Upsert the courses of DIRECTORY (default: courses/) by slug."""
    run_import(directory or Path(current_app.config["COURSES_DIR"]), dry_run)


@click.command("export-courses")
@with_appcontext
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_courses_command(directory: Path):
    """Write every course of the database to DIRECTORY in the courses/ format."""
    from ecole.catalogue.services import export_catalogue

    try:
        slugs = export_catalogue(directory)
    except OSError as error:
        fail(f"{directory}: {error.strerror}")
    click.echo(f"{len(slugs)} formation(s) exportée(s) dans {directory}.")


def import_on_init() -> None:
    """What `flask ecole init` does for the catalogue: import courses/ when it is there."""
    directory = Path(current_app.config["COURSES_DIR"])
    if directory.is_dir():
        run_import(directory, dry_run=False)

