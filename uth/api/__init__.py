"""The JSON API under /api/v1 (SPEC §14); it calls the same services as the HTML views."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from uth.api import actions, analyses, audit, cases, learning, meta, reports, search  # noqa: E402,F401
