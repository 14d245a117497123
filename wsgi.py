"""Entry point for gunicorn and `flask --app wsgi`."""
from uth import create_app

app = create_app()
