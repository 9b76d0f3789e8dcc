"""Outbound email (the port in services/ports/email.py): over SMTP with aiosmtplib when a
host is configured (KILOWATT_SMTP_HOST), else written to the log, the embedded default."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import structlog

from kilowatt.config import Settings
from kilowatt.services.ports.email import EmailNotSent, Mailer, OutgoingEmail

log = structlog.get_logger(__name__)


class SmtpMailer:
    """Sends each message in its own SMTP session (invitations are rare)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    async def send(self, message: OutgoingEmail) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.text)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self.password or None,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            log.warning("email not sent", to=message.to, error=str(error))
            raise EmailNotSent(str(error)) from error
        log.info("email sent", to=message.to, subject=message.subject)


class LogMailer:
    """No mail server configured: the message is written to the log (development, demo)."""

    async def send(self, message: OutgoingEmail) -> None:
        log.info(
            "email (not sent: no KILOWATT_SMTP_HOST)",
            to=message.to,
            subject=message.subject,
            text=message.text,
        )


def mailer(settings: Settings) -> Mailer:
    if not settings.smtp_host:
        return LogMailer()
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )
