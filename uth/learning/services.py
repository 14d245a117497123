"""Learning summaries: written from closed cases, edited as drafts, published only when the
anonymisation scan is clean, retracted when wrong (SPEC §10)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from uth.anonymisation.scanner import Finding, scan, without_accepted
from uth.anonymisation.services import case_names, finding_dict
from uth.audit.services import record
from uth.auth.models import Organisation, Role, User
from uth.auth.permissions import in_subtree, scope_paths
from uth.errors import FindingsError, Invalid, InvalidTransition, NotFound
from uth.extensions import db
from uth.fields import refuse_unknown, text
from uth.i18n import message
from uth.learning.models import CLUSTER, DRAFT, NATIONAL, PUBLISHED, RETRACTED, VISIBILITIES, LearningSummary
from uth.rca.workflow import ActionStatus, AnalysisStatus
from uth.reports.models import Case, CaseStatus
from uth.reports.visibility import can_handle
from uth.search.backend import QuerySyntaxError
from uth.search.services import ranked_ids
from uth.search.similar import similar_ids
from uth.taxonomy.services import codes, under

TEXT_FIELDS = ("title", "summary", "learning_points", "recommendations")
FILTERS = ("event_type", "transition_type", "sector_pair")


def forum_cluster_ids(actor: User) -> list[int]:
    """Clusters whose patient-safety forum the actor is a member of."""
    return [g.cluster_id for g in actor.active_grants(Role.FORUM_MEMBER) if g.cluster_id is not None]


def may_read_learning(actor: User) -> bool:
    """Forum members and case roles browse learning (SPEC §14 GET /api/v1/learning)."""
    return actor.has_role(Role.FORUM_MEMBER, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)


def _editable_clause(actor: User) -> ColumnElement[bool]:
    return in_subtree(LearningSummary.org_id, scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER))


def _published_clause(actor: User) -> ColumnElement[bool]:
    """Published summaries: national ones, and cluster ones of the actor's forums or of clusters in their scope."""
    if not may_read_learning(actor):
        return false()
    paths = scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
    scope_clusters = select(Organisation.cluster_id).where(in_subtree(Organisation.id, paths), Organisation.cluster_id.is_not(None))
    return and_(
        LearningSummary.status == PUBLISHED,
        or_(LearningSummary.visibility == NATIONAL,
            LearningSummary.cluster_id.in_(forum_cluster_ids(actor)),
            LearningSummary.cluster_id.in_(scope_clusters),
            _editable_clause(actor)),
    )


def published_summaries(actor: User) -> Select:
    """The one query for what an actor may read as published learning (lists, search, digest)."""
    return select(LearningSummary).where(_published_clause(actor))


def draft_summaries(actor: User) -> Select:
    """Unpublished summaries the actor's risk-manager scope may edit."""
    return select(LearningSummary).where(_editable_clause(actor), LearningSummary.status != PUBLISHED)


def can_edit(actor: User, summary: LearningSummary) -> bool:
    """The risk managers over the first source case's handling organisation write and publish."""
    paths = scope_paths(actor, Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)
    return summary.org is not None and any(summary.org.path.startswith(p) for p in paths)


def get_summary(actor: User, summary_id: int) -> LearningSummary:
    """A summary the actor may read or edit, or NotFound."""
    summary = db.session.get(LearningSummary, summary_id)
    if summary is None or not (can_edit(actor, summary) or
                               db.session.scalar(published_summaries(actor).where(LearningSummary.id == summary_id))):
        raise NotFound(message("Læringsopsummeringen findes ikke"))
    return summary


def get_editable_summary(actor: User, summary_id: int) -> LearningSummary:
    """A summary the actor may edit, or NotFound (forum members never edit)."""
    summary = db.session.get(LearningSummary, summary_id)
    if summary is None or not can_edit(actor, summary):
        raise NotFound(message("Læringsopsummeringen findes ikke"))
    return summary


def case_sectors(case: Case) -> tuple[str | None, str | None]:
    """From- and to-sector: the transition's organisations, else the handling org and the first involved org of another sector."""
    if case.transition_from_org is not None and case.transition_to_org is not None:
        return case.transition_from_org.sector, case.transition_to_org.sector
    first = case.transition_from_org or case.handling_org or case.effective_org
    others = [case.transition_to_org, *(link.org for link in case.involved)]
    second = next((o for o in others if o is not None and first is not None and o.sector != first.sector), None)
    second = second or case.transition_to_org
    return (first.sector if first else None, second.sector if second else None)


def _common(values: list[str | None]) -> str | None:
    """The longest dotted taxonomy prefix shared by every value (aggregated summaries)."""
    if not values or any(v is None for v in values):
        return None
    parts = [v.split(".") for v in values]
    common = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return ".".join(common) or None


CREATE_FIELDS = ("title", "summary", "learning_points", "recommendations", "visibility")
EDIT_FIELDS = (*CREATE_FIELDS[:4], "event_type", "transition_type", "visibility")


def create_summary_from_cases(actor: User, cases: list[Case], *, now: datetime, analysis_id: int | None = None,
                              fields: Mapping | None = None) -> LearningSummary:
    """A draft from one or several (aggregated) closed cases the actor handles; `fields` (SPEC §23:
    title, summary, learning_points, recommendations, visibility) replace the prefilled ones."""
    values = _create_values(fields)
    if not cases:
        raise Invalid({"cases": [message("Vælg mindst én afsluttet sag")]})
    for case in cases:
        if not can_handle(actor, case):
            raise NotFound(message("Sagen findes ikke"))
        if case.status != CaseStatus.CLOSED:
            raise InvalidTransition(message("%(reference)s er ikke afsluttet; læring skrives fra afsluttede sager", reference=case.reference))
    first = cases[0]
    sector_from, sector_to = case_sectors(first)
    aggregated = len(cases) > 1
    summary = LearningSummary(
        title=f"Samlet læring fra {len(cases)} sager" if aggregated else first.title,
        summary="\n\n".join(c.conclusion for c in cases if c.conclusion),
        learning_points="\n\n".join(c.learning for c in cases if c.learning),
        event_type=_common([c.event_type for c in cases]),
        transition_type=_common([c.transition_type for c in cases]),
        sector_from=sector_from, sector_to=sector_to, visibility=CLUSTER,
        cluster_id=first.handling_org.cluster_id if first.handling_org else None,
        org_id=first.handling_org_id, analysis_id=analysis_id, status=DRAFT,
        created_by_id=actor.id, created_at=now, updated_at=now, cases=list(cases),
    )
    db.session.add(summary)
    _apply(summary, values)
    db.session.flush()
    record(actor, "learning.created", now=now, obj=summary, org_id=summary.org_id,
           detail={"summary_id": summary.id, "cases": [c.reference for c in cases], "fields": sorted(values)})
    return summary


def _create_values(fields: Mapping | None) -> dict:
    """The given creation fields, checked as an edit is; an unknown field is refused naming it."""
    fields = fields or {}
    refuse_unknown(fields, CREATE_FIELDS)
    return _edit_values(fields)


def _apply(summary: LearningSummary, values: Mapping) -> None:
    for key, value in values.items():
        setattr(summary, key, "" if value is None and key == "learning_points" else value)


def create_summary_from_case(actor: User, case: Case, *, now: datetime, fields: Mapping | None = None) -> LearningSummary:
    """A draft from one closed case (SPEC §14/§23 POST /api/v1/cases/<reference>/learning)."""
    return create_summary_from_cases(actor, [case], now=now, fields=fields)


def create_summary_from_analysis(actor: User, analysis, *, now: datetime, fields: Mapping | None = None) -> LearningSummary:
    """A draft from an approved root-cause analysis: its closed cases, its causal statements as the
    summary and its actions (strongest first) as recommendations; `fields` replace the prefilled ones."""
    values = _create_values(fields)
    if analysis.status != AnalysisStatus.APPROVED:
        raise InvalidTransition(message("Læring skrives fra en godkendt analyse"))
    cases = [c for c in analysis.cases if c.status == CaseStatus.CLOSED and can_handle(actor, c)]
    if not cases:
        raise InvalidTransition(message("Analysens sager skal være afsluttede, før læringen kan skrives"))
    summary = create_summary_from_cases(actor, cases, now=now, analysis_id=analysis.id)
    summary.title = analysis.title
    summary.summary = "\n".join(f"{c.cause} → {c.effect} → {c.event}" for c in analysis.causal_statements) or summary.summary
    strength = {"stronger": 0, "intermediate": 1, "weaker": 2}
    actions = sorted((a for a in analysis.action_items if a.status != ActionStatus.CANCELLED), key=lambda a: strength.get(a.strength, 3))
    summary.recommendations = "\n".join(f"- {a.text}" for a in actions) or None
    _apply(summary, values)
    db.session.flush()
    return summary


def _code(data: Mapping, key: str, kind: str, errors: dict) -> str | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in codes(kind):
        errors[key] = [message("Ukendt kode")]
    return value


def update_summary(actor: User, summary: LearningSummary, data: Mapping, *, now: datetime) -> LearningSummary:
    """Change a draft's fields; only the keys given are changed (PATCH)."""
    if summary.status != DRAFT:
        raise InvalidTransition(message("Kun en kladde kan redigeres"))
    values = _edit_values(data)
    _apply(summary, values)
    summary.updated_at = now
    db.session.flush()
    record(actor, "learning.updated", now=now, obj=summary, org_id=summary.org_id,
           detail={"summary_id": summary.id, "fields": sorted(values)})
    return summary


def _edit_values(data: Mapping) -> dict:
    """The given editable fields checked (lengths, taxonomy codes, visibility), or Invalid naming each bad one."""
    errors: dict = {}
    values: dict = {}
    limits = {"title": ("Overskrift", 200, True), "summary": ("Opsummering", 20000, True),
              "learning_points": ("Læringspunkter", 20000, False), "recommendations": ("Anbefalinger", 20000, False)}
    for key, (label, max_len, required) in limits.items():
        if key in data:
            values[key] = text(data, key, errors, required=required, max_len=max_len, label=label)
    for key, kind in (("event_type", "event_types"), ("transition_type", "transition_types")):
        if key in data:
            values[key] = _code(data, key, kind, errors)
    if "visibility" in data:
        if data["visibility"] not in VISIBILITIES:
            errors["visibility"] = [message("Skal være en af: %(choices)s", choices=', '.join(VISIBILITIES))]
        values["visibility"] = data["visibility"]
    if errors:
        raise Invalid(errors)
    return values


def summary_names(summary: LearningSummary) -> list[str]:
    """Names the scan looks for: patients and reporters of the source cases if still known, and users on the cases."""
    names: list[str] = []
    for case in summary.cases:
        names += case_names(case)
        names += [e.actor.name for e in case.events if e.actor is not None]
    return sorted({n for n in names if n and n.strip()})


def summary_findings(summary: LearningSummary, not_personal: Iterable[str] = ()) -> list[Finding]:
    """Scanner findings over the summary's text that still block publication."""
    texts = {name: getattr(summary, name) for name in TEXT_FIELDS}
    return without_accepted(scan(texts, summary_names(summary)), not_personal or ())


def publish_summary(actor: User, summary: LearningSummary, *, now: datetime, not_personal: Iterable[str] = ()) -> LearningSummary:
    """Publish a draft once no personal data is found; `not_personal` accepts false positives."""
    if summary.status != DRAFT:
        raise InvalidTransition(message("Kun en kladde kan offentliggøres"))
    not_personal = not_personal or []
    if not isinstance(not_personal, (list, tuple)) or not all(isinstance(i, str) for i in not_personal):
        raise Invalid({"not_personal": [message("Skal være en liste af fund-id'er")]})
    findings = summary_findings(summary, not_personal)
    if findings:
        raise FindingsError([finding_dict(f) for f in findings])
    summary.status, summary.published_at, summary.updated_at = PUBLISHED, now, now
    db.session.flush()
    record(actor, "learning.published", now=now, obj=summary, org_id=summary.org_id,
           detail={"summary_id": summary.id, "visibility": summary.visibility, "accepted_findings": len(list(not_personal))})
    return summary


def retract_summary(actor: User, summary: LearningSummary, *, now: datetime) -> LearningSummary:
    """Take a published summary off the forum pages."""
    if summary.status != PUBLISHED:
        raise InvalidTransition(message("Kun en offentliggjort opsummering kan trækkes tilbage"))
    summary.status, summary.retracted_at, summary.updated_at = RETRACTED, now, now
    db.session.flush()
    record(actor, "learning.retracted", now=now, obj=summary, org_id=summary.org_id, detail={"summary_id": summary.id})
    return summary


def search_summaries(actor: User, q: str | None, filters: Mapping[str, str | None] | None = None) -> list[LearningSummary]:
    """Published summaries the actor may read that pass the filters; with `q`, the full-text
    matches (Danish stemming, phrases, OR, NOT, prefix*) best first, else newest first.
    A query the search syntax cannot take raises Invalid naming `q`."""
    query = published_summaries(actor)
    filters = filters or {}
    if filters.get("event_type"):
        query = query.where(under(LearningSummary.event_type, filters["event_type"]))
    if filters.get("transition_type"):
        query = query.where(under(LearningSummary.transition_type, filters["transition_type"]))
    if filters.get("sector_pair"):
        sector_from, _, sector_to = filters["sector_pair"].partition("→")
        query = query.where(LearningSummary.sector_from == sector_from, LearningSummary.sector_to == sector_to)
    if not (q or "").strip():
        return list(db.session.scalars(query.order_by(LearningSummary.published_at.desc(), LearningSummary.id.desc())))
    try:
        ids = ranked_ids("learning", q, query.with_only_columns(LearningSummary.id).order_by(None))
    except QuerySyntaxError as err:
        raise Invalid({"q": [str(err)]}) from None
    rows = {row.id: row for row in db.session.scalars(select(LearningSummary).where(LearningSummary.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def summaries_since(actor: User, since: datetime) -> list[LearningSummary]:
    """Published summaries the actor may read that were published at or after `since` (the digest)."""
    query = published_summaries(actor).where(LearningSummary.published_at >= since)
    return list(db.session.scalars(query.order_by(LearningSummary.published_at, LearningSummary.id)))


def summary_json(summary: LearningSummary) -> dict:
    """A summary as the API shows it: never case references or case text beyond the summary itself."""
    return {
        "id": summary.id, "title": summary.title, "summary": summary.summary,
        "learning_points": summary.learning_points, "recommendations": summary.recommendations,
        "event_type": summary.event_type, "transition_type": summary.transition_type,
        "sector_from": summary.sector_from, "sector_to": summary.sector_to, "sector_pair": summary.sector_pair,
        "visibility": summary.visibility, "cluster": summary.cluster.code if summary.cluster else None,
        "status": summary.status, "analysis_id": summary.analysis_id,
        "created_at": summary.created_at.isoformat(),
        "published_at": summary.published_at.isoformat() if summary.published_at else None,
        "retracted_at": summary.retracted_at.isoformat() if summary.retracted_at else None,
    }


def reporter_readable_clause(actor: User | None) -> ColumnElement[bool]:
    """Published summaries a reporter may read beside a new report (SPEC §20): the national ones and
    those of the clusters of their organisations (or of an organisation above them); with a case
    role or forum seat, also what `published_summaries` gives them. No account: the national ones."""
    national = and_(LearningSummary.status == PUBLISHED, LearningSummary.visibility == NATIONAL)
    if actor is None:
        return national
    ancestors = {org_id for grant in actor.active_grants() if grant.org is not None for org_id in grant.org.ancestor_ids()}
    clusters = select(Organisation.cluster_id).where(Organisation.id.in_(ancestors), Organisation.cluster_id.is_not(None))
    return or_(national, and_(LearningSummary.status == PUBLISHED, LearningSummary.cluster_id.in_(clusters)),
               _published_clause(actor))


def similar_summaries(actor: User | None, text: str | None, *, limit: int = 10) -> list[LearningSummary]:
    """Published learning the actor may read, most like `text` first; never a case (SPEC §20)."""
    if not isinstance(text, str) or not text.strip():
        return []
    allowed = select(LearningSummary.id).where(reporter_readable_clause(actor))
    ids = [doc_id for doc_id, _ in similar_ids("learning", text, allowed, limit=limit)]
    rows = {row.id: row for row in db.session.scalars(select(LearningSummary).where(LearningSummary.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]
