"""Reads queue filters from query parameters, shared by the API and the queue page."""
from __future__ import annotations

from datetime import date
from typing import Mapping

from uth.auth.models import User
from uth.auth.orgs import get_org
from uth.auth.services import find_user
from uth.errors import Invalid
from uth.reports.models import CASE_STATUSES, OPEN_STATUSES
from uth.reports.queries import QueueFilters, week_end

DUE_VALUES = ("week",)  # `due=week`: an open deadline from today to Sunday


def filters_from_args(args: Mapping[str, str], actor: User, *, today: date | None = None,
                      default_status: str = "") -> QueueFilters:
    """QueueFilters from `status` (comma list; `open`, `all`; `default_status` when not given), `overdue`,
    `due=week` (an open deadline from `today` to Sunday), `org`, `assignee` (e-mail, `me`, `none`), `unrouted`."""
    errors: dict[str, list[str]] = {}
    given = args.get("status") if "status" in args else default_status
    statuses = [s for s in (given or "").split(",") if s and s != "all"]
    bad = [s for s in statuses if s not in CASE_STATUSES and s != "open"]
    if bad:
        errors["status"] = [f"Unknown status: {', '.join(bad)}"]
    if "open" in statuses:
        statuses = [s for s in statuses if s != "open"] + list(OPEN_STATUSES)
    overdue = (args.get("overdue") or "").lower() in ("1", "true", "yes", "on")
    due_by = None
    if args.get("due"):
        if args["due"] not in DUE_VALUES:
            errors["due"] = [f"Unknown value: {args['due']} ({', '.join(DUE_VALUES)})"]
        else:
            due_by = week_end(today or date.today())
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
    return QueueFilters(status=statuses or None, overdue=overdue, due_by=due_by, org=org, assignee=assignee,
                        unassigned=unassigned, unrouted=(args.get("unrouted") or "") in ("1", "true"))
