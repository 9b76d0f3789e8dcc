"""The SMTP adapter against a local aiosmtpd server; an unreachable server is EmailNotSent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kilowatt.adapters.email import LogMailer, SmtpMailer, mailer
from kilowatt.config import Settings
from kilowatt.services.ports.email import EmailNotSent, OutgoingEmail
from tests.support.mailbox import Mailbox
from tests.support.server import free_port


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


async def test_a_message_arrives_with_its_sender_subject_and_text(mailbox: Mailbox) -> None:
    smtp = SmtpMailer("127.0.0.1", mailbox.port, "kilowatt@example.test")
    await smtp.send(OutgoingEmail("ana@example.com", "Hello Ånä", "Line one\nLink: https://x/y"))
    received = mailbox.to("ana@example.com")
    assert received.subject == "Hello Ånä"
    assert received.message["From"] == "kilowatt@example.test"
    assert received.text.strip() == "Line one\nLink: https://x/y"


async def test_an_unreachable_server_is_email_not_sent() -> None:
    smtp = SmtpMailer("127.0.0.1", free_port(), "kilowatt@example.test", timeout=5)
    with pytest.raises(EmailNotSent):
        await smtp.send(OutgoingEmail("ana@example.com", "Hello", "text"))


def test_without_a_host_email_goes_to_the_log() -> None:
    assert isinstance(mailer(Settings(smtp_host="")), LogMailer)
    chosen = mailer(Settings(smtp_host="mail.example.test", smtp_port=2525))
    assert isinstance(chosen, SmtpMailer)
    assert (chosen.host, chosen.port) == ("mail.example.test", 2525)
