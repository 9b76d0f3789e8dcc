"""A local SMTP server (aiosmtpd) that keeps what it is sent, for tests of outbound email."""

from __future__ import annotations

import email
import email.policy
import re
import time
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port

LINK = re.compile(r"https?://\S+/invitation/\S+")


@dataclass
class Received:
    to: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        text = payload.decode(self.message.get_content_charset() or "utf-8")
        return text.replace("\r\n", "\n")

    @property
    def link(self) -> str:
        found = LINK.search(self.text)
        assert found is not None, self.text
        return found.group(0)


@dataclass
class Mailbox:
    """What the SMTP server on ``port`` received, oldest first."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"

    def start(self) -> Mailbox:
        self.port = self.port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str, timeout: float = 10.0) -> Received:
        """The latest message to ``address``, waiting up to ``timeout`` seconds for one."""
        deadline = time.monotonic() + timeout
        while True:
            for item in reversed(self.received):
                if address in item.to:
                    return item
            if time.monotonic() > deadline:
                raise AssertionError(f"no email to {address}: {[r.to for r in self.received]}")
            time.sleep(0.05)

    def count(self, address: str) -> int:
        return sum(address in item.to for item in self.received)
