"""Reads queue filters from query parameters, shared by the API and the queue page."""
from __future__ import annotations

from typing import Mapping

from uth.auth.models import User
from uth.auth.orgs import get_org
from uth.auth.services import find_user
from uth.errors import Invalid
from uth.reports.models import Status
from uth.reports.queries import QueueFilters

STATUS_VALUES = [s.value for s in Status]


def filters_from_args(args: Mapping[str, str], actor: User) -> QueueFilters:
    """QueueFilters from `status` (comma list), `overdue`, `org`, `assignee` (e-mail, `me`, `none`)."""
    errors: dict[str, list[str]] = {}
    statuses = [s for s in (args.get("status") or "").split(",") if s]
    bad = [s for s in statuses if s not in STATUS_VALUES and s != "open"]
    if bad:
        errors["status"] = [f"Unknown status: {', '.join(bad)}"]
    if "open" in statuses:
        statuses = [s for s in statuses if s != "open"] + ["new", "acknowledged", "in_progress", "awaiting_statement"]
    overdue = (args.get("overdue") or "").lower() in ("1", "true", "yes", "on")
    org = None
    if args.get("org"):
        org = get_org(args["org"])
        if org is None:
            errors["org"] = [f"Unknown organisation: {args['org']}"]
    assignee, unassigned = None, False
    wanted = (args.get("assignee") or "").strip()
    if wanted == "me":
        assignee = actor
    elif wanted == "none":
        unassigned = True
    elif wanted:
        assignee = find_user(wanted)
        if assignee is None:
            errors["assignee"] = [f"Unknown user: {wanted}"]
    if errors:
        raise Invalid(errors)
    return QueueFilters(status=statuses or None, overdue=overdue, org=org, assignee=assignee,
                        unassigned=unassigned, unrouted=(args.get("unrouted") or "") in ("1", "true"))
