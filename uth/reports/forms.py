"""Turns the flat HTML form (SPEC §14: nested fields flattened with _) into the report shape of §3."""
from __future__ import annotations

from typing import Mapping

ORG_FIELDS = ("event_org", "reporting_org", "transition_from_org", "transition_to_org")


def org_code(value: str | None) -> str | None:
    """The code from a picker value such as 'AUH-AKM — Akutmodtagelsen (hospital)'."""
    if not value:
        return None
    return value.split(" — ")[0].strip() or None


def _get(form: Mapping, key: str) -> str | None:
    value = form.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def report_from_form(form) -> dict:
    """The nested report dict that parse_report checks."""
    data: dict = {k: _get(form, k) for k in (
        "occurred_at", "occurred_at_precision", "event_type", "title", "description", "consequence",
        "prevention", "actual_consequence", "possible_consequence", "ncc_merp", "sac")}
    data["event_org"] = org_code(_get(form, "event_org"))
    data["reporting_org"] = org_code(_get(form, "reporting_org"))
    data["transition"] = {
        "type": _get(form, "transition_type"),
        "from_org": org_code(_get(form, "transition_from_org")),
        "to_org": org_code(_get(form, "transition_to_org")),
    }
    orgs = form.getlist("involved_orgs_org") if hasattr(form, "getlist") else []
    roles = form.getlist("involved_orgs_role") if hasattr(form, "getlist") else []
    data["involved_orgs"] = [
        {"org": org_code(o), "role": (roles[i] if i < len(roles) and roles[i] else "involved")}
        for i, o in enumerate(orgs) if org_code(o)
    ]
    data["patient"] = {"cpr": _get(form, "patient_cpr"), "name": _get(form, "patient_name")}
    data["reporter"] = {
        "name": _get(form, "reporter_name"), "email": _get(form, "reporter_email"),
        "phone": _get(form, "reporter_phone"), "profession": _get(form, "reporter_profession"),
        "anonymous": form.get("reporter_anonymous") in ("1", "on", "true", "y"),
    }
    data["medication"] = {k: _get(form, f"medication_{k}") for k in ("name", "substance", "atc", "route", "strength")}
    data["device"] = {k: _get(form, f"device_{k}") for k in ("type", "name", "model")}
    return data
