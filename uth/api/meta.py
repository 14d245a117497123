"""Health, taxonomy, organisations and the OpenAPI document."""
from __future__ import annotations

import os
import shutil
import tempfile

from flask import current_app, jsonify, request
from sqlalchemy import func, or_, select, text

from uth.api.auth import token_required
from uth.api.blueprint import bp
from uth.api.openapi import openapi_document
from uth.auth.models import Organisation
from uth.auth.orgs import org_json
from uth.extensions import db
from uth.taxonomy.models import TaxonomyTerm
from uth.taxonomy.services import as_json, terms


def _writable(directory: str) -> str:
    """"ok" when a file can be created, written and removed in the directory; else why not."""
    try:
        os.makedirs(directory, exist_ok=True)  # the index is created at its first use
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".healthz-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
        return "ok"
    except OSError as exc:
        return f"not writable: {exc.strerror or type(exc).__name__}"


def _disks() -> dict[str, str]:
    """The directories the app writes to on this machine: the whoosh index, the SQLite database."""
    dirs = {}
    if current_app.config["UTH_SEARCH_BACKEND"] == "whoosh":
        dirs["search index"] = current_app.config["UTH_INDEX_DIR"]
    if db.engine.dialect.name == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
        dirs["database"] = os.path.dirname(os.path.abspath(db.engine.url.database))
    return dirs


def _disk_space(dirs: dict[str, str]) -> str:
    """"ok", or which directory's disk has less than UTH_MIN_FREE_MB left."""
    minimum = float(current_app.config["UTH_MIN_FREE_MB"])
    short = []
    for name, directory in dirs.items():
        try:
            free = shutil.disk_usage(directory).free / 1e6
        except OSError as exc:
            short.append(f"{name}: {exc.strerror or type(exc).__name__}")
            continue
        if free < minimum:
            short.append(f"{name} {free:.0f} MB free (< {minimum:.0f} MB)")
    return "ok" if not short else "full: " + "; ".join(short)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, the taxonomy is loaded, the search index can be written and
    the disks have room; 503 naming the failing part."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        loaded = db.session.scalar(select(func.count()).select_from(TaxonomyTerm))
        checks["taxonomy"] = "ok" if loaded else "not loaded (run uth init)"
    except Exception as exc:  # noqa: BLE001 - any failure of the database is the answer
        db.session.rollback()
        checks["database"] = f"failing: {type(exc).__name__}"
    dirs = _disks()
    if "search index" in dirs:
        checks["search_index"] = _writable(dirs["search index"])
    checks["disk"] = _disk_space(dirs)
    failing = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not failing else "failing", **checks}
    if failing:
        body["failing"] = failing
    return jsonify(body), (503 if failing else 200)


@bp.get("/api/v1/taxonomy")
@token_required
def taxonomy():
    """Every classification list the forms and integrations need."""
    return jsonify({
        "event_types": [as_json(t) for t in terms("event_types")],
        "transition_types": [as_json(t) for t in terms("transition_types")],
        "involved_roles": [as_json(t) for t in terms("involved_roles")],
        "reject_reasons": [as_json(t) for t in terms("reject_reasons")],
        "sectors": [as_json(t) for t in terms("sectors")],
        "contributing_factors": [as_json(t) for t in terms("contributing_factors")],
        "action_strengths": [as_json(t) for t in terms("action_strengths")],
    })


@bp.get("/api/v1/orgs")
@token_required
def orgs():
    """All organisations, or those matching `q` (code or name) for pickers."""
    query = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.path)
    q = (request.args.get("q") or "").strip().lower()
    if q:
        like = f"%{q}%"
        query = query.where(or_(func.lower(Organisation.name).like(like), func.lower(Organisation.code).like(like)))
    return jsonify([org_json(o) for o in db.session.scalars(query)])


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3 document of every API route."""
    return jsonify(openapi_document(current_app))
