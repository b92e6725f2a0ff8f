"""The start-up and memory floor: the smallest app on the site's stack (Flask, Flask-SQLAlchemy
with psycopg on the same DATABASE_URL, one route), served by the same gunicorn command."""

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
db = SQLAlchemy(app)


@app.get("/health")
def health():
    return {"status": "ok"}
