"""Ecole benchmarks: `make bench` (or `python -m benchmarks`) serves the app and a bare Flask app
with gunicorn, loads each page with wrk, and prints speed as a ratio to the bare page plus the
page weight measured in Chromium. See benchmarks/README.md."""
