"""Attendance pages: registers, sign-in sheets and scans, assessments, results."""
from flask import Blueprint

from ecole.attendance import models  # noqa: F401  (the tables, for Flask-Migrate until the pages use them)

attendance = Blueprint("attendance", __name__)
