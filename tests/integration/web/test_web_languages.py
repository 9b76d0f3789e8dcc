"""The dashboard speaks the language the browser asks for (Accept-Language)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.server import RunningServer

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
