"""Field rules shared by every JSON body, form and import line (one home for each rule).

Each rule reads one field of a mapping and records a Danish message under the field's name (nested
fields flattened with `_`, as the forms name them: `patient_cpr`), so one pass collects every error
and the caller raises `Invalid` once: 422 `{"errors": {field: [messages]}}`. A value of the wrong JSON
type (a list, a number, an object, null where text is wanted) is an error of that field, never a crash.

Hand-written rather than pydantic v2 (here only as a dependency of the test-only fhir.resources):
the messages are fixed Danish texts under the forms' flattened field names, several rules look
things up in the database (organisations, taxonomy codes), the same rules read HTML form strings and
JSON values, and pydantic's own error types and `loc` tuples would need a translation table to keep
every message and field name the tests, the forms and API clients rely on.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from werkzeug.routing import BaseConverter

from uth.errors import Invalid
from uth.i18n import Message, message

TEXT_MAX = 20_000
# Row ids are PostgreSQL `integer`s: a larger number names no row (404, never an out-of-range error).
ID_MAX = 2**31 - 1

Errors = dict[str, list[str]]


def add(errors: Errors, name: str, problem: str) -> None:
    """Record one message under a field's name."""
    errors.setdefault(name, []).append(problem)


def raise_if(errors: Errors) -> None:
    """422 with every collected error, if any."""
    if errors:
        raise Invalid(errors)


def blank(value: Any) -> bool:
    """Left out: missing, null, or a string of spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(data: Mapping, key: str, errors: Errors, *, required: bool | Message = False, min_len: int = 0,
         max_len: int = TEXT_MAX, label: str = "", error_key: str | None = None) -> str | None:
    """The text rule: a trimmed string within length bounds; blank is None. `required` is True
    ("<label> skal udfyldes") or the message to give when it is missing; `error_key` names the error
    (a nested field by its flattened name, e.g. `patient_name`)."""
    name = error_key or key
    value = data.get(key)
    if blank(value):
        if required is True:
            add(errors, name, message("%(label)s skal udfyldes", label=label) if label else message("Feltet skal udfyldes"))
        elif required:
            add(errors, name, required)
        return None
    if not isinstance(value, str):
        add(errors, name, message("Skal være tekst"))
        return None
    value = value.strip()
    if len(value) < min_len:
        add(errors, name, message("Skal være mindst %(min)s tegn (nu %(now)s)", min=min_len, now=len(value)))
    elif len(value) > max_len:
        add(errors, name, message("Må højst være %(max)s tegn (nu %(now)s)", max=max_len, now=len(value)))
    return value


def choice(data: Mapping, key: str, options: Collection[str], errors: Errors, *, error_key: str | None = None,
           problem: Message | None = None, default: str | None = None) -> str | None:
    """One of `options` (a blank value is `default`); anything else, of any JSON type, the error
    `problem` (by default "Skal være en af: …")."""
    value = data.get(key)
    if blank(value) or value == []:
        return default
    if not isinstance(value, str) or value not in options:
        add(errors, error_key or key, problem or message("Skal være en af: %(choices)s", choices=", ".join(options)))
        return None
    return value


def whole_number(value: Any, *, minimum: int, maximum: int) -> int | None:
    """A JSON integer or a string of digits within bounds; None for anything else (bool, float, text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(maximum))):
            return None
        value = int(value)
    if not isinstance(value, int) or not minimum <= value <= maximum:
        return None
    return value


def obj(data: Mapping, key: str, errors: Errors) -> dict:
    """A nested JSON object; blank is {}, anything else an error."""
    value = data.get(key)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        add(errors, key, message("Skal være et objekt"))
        return {}
    return value


def unknown_fields(data: Mapping, allowed: Iterable[str], errors: Errors, *, prefix: str = "") -> None:
    """Each field not in `allowed` named as an error (SPEC §23: no field given is silently dropped)."""
    allowed = set(allowed)
    for key in data:
        if key not in allowed:
            add(errors, f"{prefix}{key}", message("Ukendt felt"))


def refuse_unknown(data: Mapping, allowed: Iterable[str]) -> None:
    """422 naming each field not in `allowed`."""
    errors: Errors = {}
    unknown_fields(data, allowed, errors)
    raise_if(errors)


def parse_id(raw: Any) -> int | None:
    """A row id (1 to ID_MAX) from a path, form or body; None for anything else."""
    return whole_number(raw, minimum=1, maximum=ID_MAX)


def _digits_up_to(limit: int) -> str:
    """A regular expression for the digit strings of `limit`'s length that are at most `limit`."""
    digits, parts = str(limit), []
    for i, d in enumerate(digits):
        if d != "0":
            parts.append(digits[:i] + f"[0-{int(d) - 1}]" + r"\d" * (len(digits) - i - 1))
    return "|".join([*parts, digits])


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a row id with the same limit everywhere (1 to ID_MAX); anything else
    matches no route (404). The limit is in the pattern itself: a converter that refuses a value
    after matching makes werkzeug answer 405 where another method's route has the same path."""

    regex = rf"(?:\d{{1,{len(str(ID_MAX)) - 1}}}|{_digits_up_to(ID_MAX)})"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))
