"""The invitation service on a real database with an outbound email port that records or
refuses: the letter composed by the edge is handed over after the commit, a refused letter
leaves the account waiting for a resend, and a link works once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kilowatt.bootstrap import build_services, prepare_database
from kilowatt.config import Settings
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.invitations import is_invited
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.users import Principal, Role
from kilowatt.persistence.db import Database
from kilowatt.services.container import Services
from kilowatt.services.invitations import InvitationInput, InvitationService, Letter
from kilowatt.services.ports import UserFilter
from kilowatt.services.ports.email import EmailNotSent, OutgoingEmail

PASSWORD = "a-long-enough-password"


class Outbox:
    """The email port: keeps what it is handed, or refuses everything (``down``)."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.down = False

    async def send(self, message: OutgoingEmail) -> None:
        if self.down:
            raise EmailNotSent("connection refused")
        self.sent.append(message)


def compose(letter: Letter) -> OutgoingEmail:
    return OutgoingEmail(letter.to, f"Join {letter.organization}", f"{letter.role}: {letter.link}")


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'invitations.sqlite3'}"
    database = Database(url)
    try:
        await prepare_database(database, upgrade=True)
        yield build_services(Settings(data_dir=tmp_path, database_url=url), database)
    finally:
        await database.dispose()


async def test_a_letter_refused_by_the_mail_server_leaves_the_account_waiting(
    services: Services,
) -> None:
    outbox = Outbox()
    invitations = InvitationService(
        services.users.uow,
        services.clock,
        services.bus,
        mailer=outbox,
        secret=b"test secret",
        public_url="https://kw.example/",
    )
    owner = await services.users.create_user("owner@example.com", PASSWORD, Role.OWNER)
    principal = Principal.of_user(owner)
    outbox.down = True
    data = InvitationInput(email="new@example.com", role=Role.TECHNICIAN)
    with pytest.raises(EmailNotSent):
        await invitations.invite(principal, data, compose)
    assert outbox.sent == []
    [waiting] = [
        u
        for u in (await services.users.search(principal, PageRequest(100), UserFilter())).items
        if u.email == "new@example.com"
    ]
    assert is_invited(waiting.password_hash)
    assert not waiting.is_active
    outbox.down = False
    assert waiting.id is not None
    resent = await invitations.resend(principal, waiting.id, compose)
    [letter] = outbox.sent
    assert letter.to == "new@example.com"
    assert letter.subject == "Join Default"
    assert letter.text == f"technician: {resent.link}"
    assert resent.link.startswith("https://kw.example/invitation/")
    token = urlsplit(resent.link).path.rsplit("/", 1)[1]
    accepted = await invitations.accept(token, PASSWORD, "Ned")
    assert accepted.is_active
    assert await services.users.check_password("new@example.com", PASSWORD) is not None
    with pytest.raises(InvalidInput):
        await invitations.accept(token, PASSWORD)
    with pytest.raises(InvalidInput):
        await invitations.check(token)
