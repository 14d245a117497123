"""Small helpers shared by the API modules."""
from __future__ import annotations

from collections.abc import Iterable

from flask import request

from uth.errors import Invalid
from uth.fields import refuse_unknown


def json_body(allowed: Iterable[str] | None = None) -> dict:
    """The request's JSON object, or 422 naming the body; with `allowed`, 422 naming each other field
    (SPEC §23: no field given is silently dropped)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        data = None
    if not isinstance(data, dict):
        raise Invalid({"body": ["Expected a JSON object (Content-Type: application/json)"]})
    if allowed is not None:
        refuse_unknown(data, allowed)
    unreadable = [name for key, value in data.items() for name in _unreadable(key, value)]
    if unreadable:
        raise Invalid({key: ["Not valid Unicode text (a lone surrogate)"] for key in unreadable})
    return data


def _unreadable(key: str, value) -> list[str]:
    """The fields of one body entry holding a lone surrogate: a nested object's by their flattened name
    (`patient_name`, as the other errors name them)."""
    if isinstance(value, dict) and not _has_lone_surrogate(key):
        return [f"{key}_{sub}" if not _has_lone_surrogate(sub) else key
                for sub, inner in value.items() if _has_lone_surrogate(sub) or _has_lone_surrogate(inner)]
    return [key] if _has_lone_surrogate(key) or _has_lone_surrogate(value) else []


def _has_lone_surrogate(value) -> bool:
    """Whether a JSON value holds a string that cannot be stored as UTF-8 (`"\\ud800"`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def optional_json_body(allowed: Iterable[str]) -> dict:
    """The JSON object of a request whose body may be left out ({} then), checked as `json_body`."""
    if not request.get_data(cache=True).strip():
        return {}
    return json_body(allowed)


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
