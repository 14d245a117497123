"""The baselines for bench/submit_bench.py and bench/queue_bench.py: a bare Flask + SQLAlchemy insert
endpoint and a 50-row list on the same SQLite settings."""
import os
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
db = SQLAlchemy(app)


@event.listens_for(Engine, "connect")
def _pragmas(conn, record):
    if type(conn).__module__.startswith("sqlite3"):
        cur = conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000", "foreign_keys=ON", "secure_delete=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()


class Row(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200))
    description = db.Column(db.Text)
    received_at = db.Column(db.DateTime)


with app.app_context():
    db.create_all()


@app.post("/insert")
def insert():
    data = request.get_json()
    row = Row(title=data["title"], description=data["description"], received_at=datetime.now(UTC))
    db.session.add(row)
    db.session.commit()
    return jsonify({"id": row.id}), 201


@app.get("/list")
def list_rows():
    """The bare GET: the newest 50 rows as JSON (what a paged list costs without any application)."""
    rows = db.session.scalars(db.select(Row).order_by(Row.id.desc()).limit(50))
    return jsonify({"items": [{"id": r.id, "title": r.title, "description": r.description,
                               "received_at": r.received_at.isoformat()} for r in rows]})
