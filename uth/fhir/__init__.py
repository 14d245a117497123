"""FHIR R5 AdverseEvent in and out (SPEC §22): one pure mapping, the national FHIR export, CapabilityStatement."""
