"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi`` for the CLI.

A configuration error stops here with its one line (it names every bad setting), not a traceback.
"""
from app import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(str(error)) from None
