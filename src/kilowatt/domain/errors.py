"""Errors the services raise; every edge turns them into its own answer."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure."""


class NotFound(DomainError):
    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!s} not found")
        self.entity = entity
        self.key = key


class Conflict(DomainError):
    """The request contradicts the current state (duplicate, still in use...)."""


class InvalidInput(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Forbidden(DomainError):
    """The request names something it may not reach (a bad or expired link, a used token)."""


class TooLarge(DomainError):
    """More data than the limit allows (an upload past its size limit)."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class StationOffline(DomainError):
    """A command was addressed to a station that holds no connection."""


class Throttled(DomainError):
    """Too many failed attempts: refused without looking further, for ``retry_after`` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AppendOnly(DomainError):
    """An attempt to change or remove a record that may only ever be added (the audit log)."""
