"""Small helpers shared by the API modules."""
from __future__ import annotations

from flask import request

from uth.errors import Invalid


def json_body() -> dict:
    """The request's JSON object, or 422 naming the body."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid({"body": ["Expected a JSON object (Content-Type: application/json)"]})
    return data


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int = 10_000) -> int:
    """An integer query parameter within bounds, or 422 naming it."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid({name: ["Must be a whole number"]}) from None
    if not minimum <= value <= maximum:
        raise Invalid({name: [f"Must be between {minimum} and {maximum}"]})
    return value
