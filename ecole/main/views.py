"""The home page and the health check."""
from flask import Blueprint, current_app, jsonify, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ecole.extensions import csrf, db

main = Blueprint("main", __name__)


@main.route("/")
def home():
    catalogue = "catalogue.index" in current_app.view_functions
    return render_template("main/home.html", catalogue_url=url_for("catalogue.index") if catalogue else None)


@main.route("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
