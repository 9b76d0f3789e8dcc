"""The outbound email port: messages to people (invitations...), sent by an adapter
(adapters/email.py: SMTP through aiosmtplib, or the log when no SMTP host is set)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    """The plain-text body."""


class Mailer(Protocol):
    async def send(self, message: OutgoingEmail) -> None:
        """Hand the message over for delivery; EmailNotSent when that fails."""
        ...


class EmailNotSent(Exception):
    """The mail server could not be reached or refused the message."""
