"""Errors the services raise; every edge turns them into its own answer.

Each kind has a stable ``code`` and an error may carry a stable ``reason`` (a slug naming the
particular refusal, such as ``last_owner``). The English text is for logs and the API's
``detail``; a page shows words chosen by ``code`` and ``reason`` in the reader's language
(web/kit/refusals.py), never the text itself.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure."""

    code = "error"

    def __init__(self, message: str = "", *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!s} not found")
        self.entity = entity
        self.key = key


class Conflict(DomainError):
    """The request contradicts the current state (duplicate, still in use...)."""

    code = "conflict"


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, field: str, message: str, *, reason: str = "") -> None:
        super().__init__(f"{field}: {message}", reason=reason)
        self.field = field
        self.message = message


class Forbidden(DomainError):
    """The request names something it may not reach (a bad or expired link, a used token)."""

    code = "forbidden"


class TooLarge(DomainError):
    """More data than the limit allows (an upload past its size limit)."""

    code = "too_large"

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class StationOffline(DomainError):
    """A command was addressed to a station that holds no connection."""

    code = "station_offline"


class Throttled(DomainError):
    """Too many failed attempts: refused without looking further, for ``retry_after`` s."""

    code = "throttled"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AppendOnly(DomainError):
    """An attempt to change or remove a record that may only ever be added (the audit log)."""

    code = "append_only"
