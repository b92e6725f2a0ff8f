"""WSGI entry point: gunicorn -c gunicorn_config.py wsgi:app"""

from movie_lottery import create_app

app = create_app()
