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


class StationOffline(DomainError):
    """A command was addressed to a station that holds no connection."""
