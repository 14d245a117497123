"""The R5 CapabilityStatement of UTH's FHIR endpoint (`GET /api/v1/fhir/metadata`): what is supported."""
from __future__ import annotations

from uth.fhir.mapping import (EXT_ACTUAL, EXT_POSSIBLE, SYSTEM_EVENT_TYPE, SYSTEM_FACTOR, SYSTEM_FUNCTION, SYSTEM_ORG,
                              SYSTEM_REFERENCE, SYSTEM_SEVERITY)

FHIR_VERSION = "5.0.0"
# The day this statement last changed: bump it with the mapping (SPEC §22).
STATEMENT_DATE = "2026-12-01"

_CREATE = (
    "A local system (an EHR, a municipal care system) reports an event; it becomes a case through the same "
    "validation, routing, deadlines and audit as POST /api/v1/reports. Read in: code.text (title), code.coding "
    f"{SYSTEM_EVENT_TYPE} (event type), occurrenceDateTime, participant with function {SYSTEM_FUNCTION} "
    f"event|reporting and actor.identifier {SYSTEM_ORG} (organisation code), extensions {EXT_ACTUAL} and "
    f"{EXT_POSSIBLE} (valueCode), note[0].text (description). status and subject are required by R5 and ignored "
    "(patient data comes only through UTH's own forms); any other element is refused with an OperationOutcome "
    "naming it. Answers 201 with Location and the stored resource, or 422 with an OperationOutcome."
)
_READ = (
    f"The case by its reference (identifier {SYSTEM_REFERENCE}), for callers who may open the case; "
    f"seriousness {SYSTEM_SEVERITY}, contributingFactor {SYSTEM_FACTOR} of approved analyses; the subject is "
    "always {\"display\": \"Anonymiseret\"}."
)


def capability_statement(base_url: str) -> dict:
    """What this server does with FHIR: AdverseEvent read and create, JSON, bearer tokens."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "publisher": "UTH",
        "kind": "instance",
        "implementation": {"description": "UTH: cross-sector adverse event reporting (Danish healthcare)",
                           "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Bearer tokens from `uth create-token` (Authorization: Bearer <token>).",
            "security": {"cors": False, "description": "Authorization: Bearer <token>; a case outside the caller's scope answers 404."},
            "resource": [{
                "type": "AdverseEvent",
                "interaction": [{"code": "read", "documentation": _READ}, {"code": "create", "documentation": _CREATE}],
                "versioning": "no-version",
                "readHistory": False,
                "updateCreate": False,
                "conditionalCreate": False,
            }],
        }],
    }
