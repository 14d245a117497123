"""Imports every feature's models so that alembic and create_all see the whole schema."""
from uth.audit.models import AuditEntry  # noqa: F401
from uth.auth.models import ApiToken, Cluster, Grant, Organisation, ReferenceCounter, User  # noqa: F401
from uth.notifications.models import OutboxMessage  # noqa: F401
from uth.reports.models import Case, CaseEvent, CaseOrg, Statement  # noqa: F401
from uth.routing.models import RoutingRule  # noqa: F401
from uth.taxonomy.models import TaxonomyTerm  # noqa: F401
from uth.deadlines.models import *  # noqa: F401,F403,E402
from uth.anonymisation.models import *  # noqa: F401,F403,E402
from uth.search.models import *  # noqa: F401,F403,E402
from uth.rca.models import *  # noqa: F401,F403,E402
from uth.learning.models import *  # noqa: F401,F403,E402
