"""Domain errors raised by services and mapped to HTTP status codes at the edges."""
from uth.i18n import N_


class DomainError(Exception):
    """Base of all errors a service may raise on purpose."""

    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """Missing, or outside the actor's scope (SPEC §1: 404, never 403)."""

    status = 404


class Forbidden(DomainError):
    """The actor is known but may not do this (used only where 404 would mislead)."""

    status = 403


class InvalidTransition(DomainError):
    """The action is not allowed in the case's current state (409)."""

    status = 409


class Invalid(DomainError):
    """Bad input: `errors` maps field names to messages (422)."""

    status = 422

    def __init__(self, errors: dict[str, list[str]], message: str = N_("Ugyldige data")):
        super().__init__(message)
        self.errors = errors


class FindingsError(DomainError):
    """Anonymisation findings block closing or publishing (422 with findings)."""

    status = 422

    def __init__(self, findings: list[dict], message: str = N_("Personoplysninger fundet")):
        super().__init__(message)
        self.findings = findings


class Blocked(DomainError):
    """An action refused for every reason at once (SPEC §5 close): what the state lacks (409), or input
    errors and anonymisation findings (422). `blockers` lists each reason in words."""

    def __init__(self, blockers: list[dict], *, errors: dict[str, list[str]] | None = None,
                 findings: list[dict] | None = None, state: bool = False,
                 message: str = N_("Sagen kan ikke afsluttes endnu")):
        super().__init__(message)
        self.blockers, self.errors, self.findings = blockers, errors or {}, findings or []
        self.status = 409 if state else 422
