"""Every feature's models in one import, so that alembic and create_all see the whole schema."""
from uth.audit.models import AuditChainHead, AuditEntry
from uth.auth.models import ApiToken, Cluster, Grant, Organisation, User, UserSession
from uth.deadlines.models import OverdueRecord
from uth.learning.models import BatchCount, BatchMonthLock, LearningSummary, learning_summary_cases
from uth.notifications.models import OutboxMessage
from uth.ratelimit import rate_limits
from uth.rca.models import (
                            ActionItem,
                            Analysis,
                            CausalStatement,
                            ContributingFactor,
                            TeamMember,
                            TimelineEntry,
                            analysis_cases,
)
from uth.reports.models import Case, CaseEvent, CaseMessage, CaseOrg, ReferenceCounter, Statement
from uth.routing.models import RoutingRule
from uth.search.models import SearchOutbox, search_documents
from uth.storage import PurgeRequest
from uth.taxonomy.models import TaxonomyTerm

__all__ = [
    "ActionItem", "Analysis", "ApiToken", "AuditChainHead", "AuditEntry", "BatchCount", "BatchMonthLock", "Case", "CaseEvent", "CaseMessage", "CaseOrg",
    "CausalStatement", "Cluster", "ContributingFactor", "Grant", "LearningSummary", "Organisation", "OutboxMessage",
    "OverdueRecord", "PurgeRequest", "ReferenceCounter", "RoutingRule", "SearchOutbox", "Statement", "TaxonomyTerm", "TeamMember",
    "TimelineEntry", "User", "UserSession", "analysis_cases", "learning_summary_cases", "rate_limits", "search_documents",
]
