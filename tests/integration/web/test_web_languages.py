"""The dashboard speaks the language the browser asks for (Accept-Language), or the one the
operator chose on the account page (a cookie)."""

from __future__ import annotations

import httpx
import pytest

from kilowatt.web.kit.i18n import LANGUAGE_COOKIE
from tests.support.server import RunningServer
from tests.support.web import Visitor, new_operator

SIGN_IN = {
    "fi": ("Kirjaudu sisään", "Sähköpostiosoite", "Salasana"),
    "sv": ("Logga in", "E-postadress", "Lösenord"),
    "bg": ("Вход", "Имейл адрес", "Парола"),
    "zh_Hans": ("登录", "电子邮箱地址", "密码"),
}


def _sign_in_page(server: RunningServer, accept_language: str) -> str:
    answer = httpx.get(
        f"{server.base_url}/login", headers={"Accept-Language": accept_language}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [
        ("fi-FI,fi;q=0.9,en;q=0.5", "fi"),
        ("sv-SE", "sv"),
        ("bg", "bg"),
        ("zh-CN,zh;q=0.9", "zh_Hans"),
    ],
)
def test_the_sign_in_page_speaks_the_language_the_browser_asks_for(
    server: RunningServer, accept_language: str, locale: str
) -> None:
    page = _sign_in_page(server, accept_language)
    # A BCP 47 tag (zh-Hans, not zh_Hans): the page's scripts format numbers and times with it.
    assert f'<html lang="{locale.replace("_", "-")}">' in page
    for text in SIGN_IN[locale]:
        assert text in page
    assert ">Sign in<" not in page
    assert ">Password<" not in page


def test_a_browser_asking_for_a_language_kilowatt_lacks_gets_english(
    server: RunningServer,
) -> None:
    page = _sign_in_page(server, "de-DE,de;q=0.9")
    assert '<html lang="en">' in page
    assert ">Sign in<" in page


def test_an_operator_chooses_the_language_on_the_account_page(server: RunningServer) -> None:
    operator = new_operator(server)
    with Visitor(server) as visitor:
        visitor.client.headers["Accept-Language"] = "en-GB,en;q=0.9"
        home = visitor.sign_in(operator["email"]).client.get("/")
        assert '<a href="/account/two-factor#language" id="account-language">Language</a>' in (
            home.text
        )
        account = visitor.client.get("/account/two-factor")
        assert account.status_code == 200
        assert 'action="/account/language"' in account.text
        for option in ('value="fi">Suomi<', 'value="sv">Svenska<', 'value="zh_Hans">中文 (简体)<'):
            assert option in account.text

        chosen = visitor.post("/account/language", {"language": "fi"})
        assert chosen.status_code == 303
        assert chosen.headers["location"] == "/account/two-factor#language"
        assert visitor.client.cookies.get(LANGUAGE_COOKIE) == "fi"
        # The browser still asks for English: the choice wins, on every page.
        home = visitor.client.get("/")
        assert '<html lang="fi">' in home.text
        assert "Kirjaudu ulos" in home.text
        account = visitor.client.get("/account/two-factor")
        assert '<option value="fi" selected>Suomi</option>' in account.text

        wrong = visitor.post("/account/language", {"language": "xx"})
        assert wrong.status_code == 400
        assert 'id="f-language-error"' in wrong.text
        assert "Valitse jokin vaihtoehdoista." in wrong.text
        assert visitor.client.cookies.get(LANGUAGE_COOKIE) == "fi"

        forgotten = visitor.post("/account/language", {"language": ""})
        assert forgotten.status_code == 303
        assert visitor.client.cookies.get(LANGUAGE_COOKIE) is None
        home = visitor.client.get("/")
        assert '<html lang="en">' in home.text
        assert "Sign out" in home.text


def test_the_language_choice_needs_the_forms_token(server: RunningServer) -> None:
    operator = new_operator(server)
    with Visitor(server) as visitor:
        visitor.sign_in(operator["email"])
        forged = visitor.client.post("/account/language", data={"language": "bg"})
        assert forged.status_code == 403
        assert visitor.client.cookies.get(LANGUAGE_COOKIE) is None


def test_the_language_choice_needs_a_signed_in_operator(server: RunningServer) -> None:
    answer = httpx.post(f"{server.base_url}/account/language", data={"language": "fi"}, timeout=30)
    assert answer.status_code in (303, 403)
    assert LANGUAGE_COOKIE not in answer.cookies


def test_the_not_found_page_speaks_the_chosen_language(server: RunningServer) -> None:
    answer = httpx.get(
        f"{server.base_url}/no-such-page",
        headers={"Accept-Language": "fi"},
        cookies={LANGUAGE_COOKIE: "bg"},
        timeout=30,
    )
    assert answer.status_code == 404
    assert '<html lang="bg">' in answer.text
    assert "Няма такава страница." in answer.text
