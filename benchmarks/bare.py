"""The baseline: the smallest Flask app that returns a small HTML page.

Served by gunicorn with the same settings as Ecole (`gunicorn benchmarks.bare:app`), so the
ratio "page req/s ÷ bare req/s" factors out the machine, gunicorn and Flask itself.
"""
from flask import Flask

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Bare</title></head>
<body><h1>Bonjour</h1><p>A bare Flask page, the benchmarks' baseline.</p></body>
</html>
"""


@app.route("/")
def index():
    return PAGE
