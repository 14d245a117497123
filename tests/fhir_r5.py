"""Checks a resource against the FHIR R5 definitions (fhir.resources' pydantic models, a test dependency),
plus the required value-set bindings the models leave open."""
from __future__ import annotations

from fhir.resources.adverseevent import AdverseEvent
from fhir.resources.capabilitystatement import CapabilityStatement
from fhir.resources.operationoutcome import OperationOutcome

from uth.fhir.mapping import R5_ACTUALITIES, R5_STATUSES

ISSUE_SEVERITIES = ("fatal", "error", "warning", "information", "success")


def valid_adverse_event(resource: dict) -> AdverseEvent:
    """The resource as R5 reads it; raises on a missing required element, a wrong type or an unknown element."""
    model = AdverseEvent.model_validate(resource)
    assert model.status in R5_STATUSES and model.actuality in R5_ACTUALITIES
    return model


def valid_outcome(resource: dict) -> OperationOutcome:
    model = OperationOutcome.model_validate(resource)
    assert model.issue and all(i.severity in ISSUE_SEVERITIES for i in model.issue)
    return model


def valid_capability_statement(resource: dict) -> CapabilityStatement:
    return CapabilityStatement.model_validate(resource)
