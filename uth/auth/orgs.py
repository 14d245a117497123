"""Organisation tree: upserts, paths for subtree queries, and the CSV import (SPEC §2, §15)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select

from uth import hooks
from uth.auth.models import SECTORS, Cluster, Organisation
from uth.errors import Invalid
from uth.extensions import db

CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
ORG_HEADER = ["code", "name", "sector", "parent", "cluster"]


@dataclass(frozen=True)
class OrgRow:
    """One validated row of an organisation CSV."""

    line: int
    code: str
    name: str
    sector: str
    parent: str | None
    cluster: str | None


def get_org(code: str | None) -> Organisation | None:
    """An organisation by code."""
    if not code:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def get_or_create_cluster(code: str, name: str | None = None) -> Cluster:
    """A cluster by code, created (named by its code until renamed) when unknown."""
    cluster = db.session.scalar(select(Cluster).where(Cluster.code == code))
    if cluster is None:
        cluster = Cluster(code=code, name=name or code)
        db.session.add(cluster)
        db.session.flush()
    elif name:
        cluster.name = name
    return cluster


def recompute_paths() -> None:
    """Rebuild every organisation's path from the parent links (cheap for thousands of units)."""
    orgs = list(db.session.scalars(select(Organisation)))
    by_id = {o.id: o for o in orgs}
    before = {o.id: o.path for o in orgs}
    for org in orgs:
        chain, node, seen = [], org, set()
        while node is not None:
            if node.id in seen:
                raise Invalid({"parent": [f"cycle in organisation tree at {org.code}"]})
            seen.add(node.id)
            chain.append(node.id)
            node = by_id.get(node.parent_id) if node.parent_id else None
        org.path = "/" + "/".join(str(i) for i in reversed(chain)) + "/"
    db.session.flush()
    moved = {o.id for o in orgs if before[o.id] and before[o.id] != o.path}
    if moved:  # under another parent now (with everything below): what is kept by ancestry follows
        for func in hooks.get(hooks.ORGS_MOVED):
            func(db.session, moved)


def upsert_org(code: str, name: str, sector: str, parent: str | None = None, cluster: str | None = None) -> Organisation:
    """Create or update one organisation and refresh the tree paths."""
    org = _upsert_rows([OrgRow(0, code, name, sector, parent, cluster)])[0]
    recompute_paths()
    return org


def _upsert_rows(rows: list[OrgRow]) -> list[Organisation]:
    known = {o.code: o for o in db.session.scalars(select(Organisation))}
    result = []
    for row in rows:
        org = known.get(row.code)
        if org is None:
            org = Organisation(code=row.code, path="")
            db.session.add(org)
            known[row.code] = org
        org.name, org.sector = row.name, row.sector
        org.cluster = get_or_create_cluster(row.cluster) if row.cluster else None
        result.append(org)
    db.session.flush()
    for row, org in zip(rows, result):
        org.parent_id = known[row.parent].id if row.parent else None
    db.session.flush()
    return result


def parse_org_csv(text: str) -> list[OrgRow]:
    """Validate a whole CSV; the first bad row raises Invalid naming its line number."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if header != ORG_HEADER:
        raise Invalid({"line 1": [f"header must be {','.join(ORG_HEADER)}"]})
    rows: list[OrgRow] = []
    codes_in_file: set[str] = set()
    known = set(db.session.scalars(select(Organisation.code)))
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 5:
            raise Invalid({f"line {line}": [f"expected 5 columns, found {len(cells)}"]})
        code, name, sector, parent, cluster = (c.strip() for c in cells)
        problem = None
        if not CODE_RE.match(code):
            problem = f"invalid code {code!r}"
        elif code in codes_in_file:
            problem = f"duplicate code {code!r}"
        elif not name:
            problem = "name is required"
        elif sector not in SECTORS:
            problem = f"unknown sector {sector!r} (one of {', '.join(SECTORS)})"
        elif parent == code:
            problem = "an organisation cannot be its own parent"
        elif cluster and not CODE_RE.match(cluster):
            problem = f"invalid cluster code {cluster!r}"
        if problem:
            raise Invalid({f"line {line}": [problem]})
        codes_in_file.add(code)
        rows.append(OrgRow(line, code, name, sector, parent or None, cluster or None))
    for row in rows:
        if row.parent and row.parent not in codes_in_file and row.parent not in known:
            raise Invalid({f"line {row.line}": [f"unknown parent {row.parent!r}"]})
    return rows


def import_orgs(text: str) -> int:
    """Upsert every row of a CSV (SPEC §15 import-orgs); all or nothing."""
    rows = parse_org_csv(text)
    _upsert_rows(rows)
    try:
        recompute_paths()
    except Invalid:
        raise Invalid({"parent": ["the file makes a cycle in the organisation tree"]}) from None
    return len(rows)


def org_json(org: Organisation) -> dict:
    """API shape of an organisation (SPEC §14)."""
    return {
        "code": org.code,
        "name": org.name,
        "sector": org.sector,
        "parent": org.parent.code if org.parent else None,
        "cluster": org.cluster.code if org.cluster else None,
    }
