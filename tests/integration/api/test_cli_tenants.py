"""``kilowatt org create``, and accounts and keys made for an organization and some sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.api.test_cli import KEY, PASSWORD, cli_env, kilowatt, serving


@pytest.mark.timeout(300)  # eight CLI processes and a server: slow on a busy machine
def test_organizations_accounts_and_site_limited_keys_from_the_command_line(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path)
    made = kilowatt(env, "org", "create", "--name", "Landlord Oy")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().startswith("created organization ")
    again = kilowatt(env, "org", "create", "--name", "Landlord Oy")
    assert again.returncode == 2
    assert "already exists" in again.stderr
    owner = kilowatt(
        env,
        *("admin", "create", "--email", "owner@landlord.example", "--password", PASSWORD),
        *("--organization", "Landlord Oy"),
    )
    assert owner.returncode == 0, owner.stderr
    assert owner.stdout.strip() == "created owner@landlord.example (owner)"
    missing = kilowatt(
        env,
        *("admin", "create", "--email", "x@y.example", "--password", PASSWORD),
        *("--organization", "No Such Org"),
    )
    assert missing.returncode == 2
    assert "not found" in missing.stderr
    key = kilowatt(env, "apikey", "create", "--name", "owner", "--role", "owner",
                   "--organization", "Landlord Oy")  # fmt: skip
    assert key.returncode == 0, key.stderr
    secret = key.stdout.strip()
    assert KEY.match(secret)
    with serving(env) as served, served.api(secret) as api:
        assert api.get("/organizations/current").json()["name"] == "Landlord Oy"
        users = api.get("/users").json()["items"]
        assert [u["email"] for u in users] == ["owner@landlord.example"]
        site = api.post("/sites", json={"name": "Block A"}).json()
        api.post("/sites", json={"name": "Block B"})
        limited = kilowatt(
            env,
            *("apikey", "create", "--name", "janitor", "--role", "technician"),
            *("--organization", "Landlord Oy", "--site", str(site["id"])),
        )
        assert limited.returncode == 0, limited.stderr
        with served.api(limited.stdout.strip()) as janitor:
            assert [s["name"] for s in janitor.get("/sites").json()["items"]] == ["Block A"]
        audit = api.get("/audit", params={"action": "organization.create"}).json()["items"]
        assert audit[0]["actor_name"] == "command line"
        # The default organization knows nothing of them.
        default_key = kilowatt(env, "apikey", "create", "--name", "default").stdout.strip()
        with served.api(default_key) as other:
            assert other.get("/organizations/current").json()["name"] != "Landlord Oy"
            assert other.get("/sites").json()["items"] == []
