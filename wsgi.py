"""gunicorn entry point: `gunicorn wsgi:app`."""

from expertise_app import create_app

app = create_app()
