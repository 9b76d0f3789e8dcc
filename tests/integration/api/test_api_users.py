"""Operator accounts and API keys through REST API v1: roles, who may grant what, revocation."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created, second_organization

Json = dict[str, Any]


def email() -> str:
    return f"u-{uuid.uuid4().hex[:10]}@example.com"


def new_key(api: httpx.Client, role: str, **fields: Any) -> Json:
    return created(api.post("/api-keys", json={"name": f"{role} key", "role": role, **fields}))


def test_create_list_read_change_and_delete_a_user(api: httpx.Client) -> None:
    address = email()
    user = created(
        api.post(
            "/users",
            json={"email": address, "password": PASSWORD, "role": "technician", "name": "Tech"},
        )
    )
    assert user["email"] == address
    assert (user["role"], user["name"], user["site_ids"], user["is_active"]) == (
        "technician",
        "Tech",
        None,
        True,
    )
    assert "password" not in str(user).lower()
    assert api.get(f"/users/{user['id']}").json() == user
    listed = api.get("/users", params={"q": address}).json()["items"]
    assert [u["id"] for u in listed] == [user["id"]]
    assert api.get("/users", params={"role": "finance", "q": address}).json()["items"] == []
    changed = api.patch(f"/users/{user['id']}", json={"role": "finance", "name": "Fin"})
    assert changed.status_code == 200
    assert (changed.json()["role"], changed.json()["name"]) == ("finance", "Fin")
    assert api.delete(f"/users/{user['id']}").status_code == 204
    assert api.get(f"/users/{user['id']}").status_code == 404


def test_bad_accounts_are_refused_precisely(api: httpx.Client) -> None:
    short = api.post("/users", json={"email": email(), "password": "short", "role": "viewer"})
    assert short.status_code == 422
    assert "password" in short.json()["detail"]
    address = email()
    created(api.post("/users", json={"email": address, "password": PASSWORD, "role": "viewer"}))
    again = api.post(
        "/users", json={"email": address.upper(), "password": PASSWORD, "role": "viewer"}
    )
    assert again.status_code == 409
    assert again.json()["reason"] == "email_taken"  # stable, for programs
    site = created(api.post("/sites", json={"name": "Owner scope"}))
    owner_with_sites = api.post(
        "/users",
        json={"email": email(), "password": PASSWORD, "role": "owner", "site_ids": [site["id"]]},
    )
    assert owner_with_sites.status_code == 422
    assert owner_with_sites.json()["fields"][0]["field"] == "site_ids"
    assert owner_with_sites.json()["reason"] == "owner_scope"
    missing_site = api.post(
        "/users",
        json={"email": email(), "password": PASSWORD, "role": "viewer", "site_ids": [1999999999]},
    )
    assert missing_site.status_code == 422


def test_an_admin_cannot_make_or_promote_an_owner(server: RunningServer, api: httpx.Client) -> None:
    admin = new_key(api, "admin")
    with api_client(server, admin["secret"]) as client:
        owner_user = client.post(
            "/users", json={"email": email(), "password": PASSWORD, "role": "owner"}
        )
        assert owner_user.status_code == 403
        assert owner_user.json()["error"] == "forbidden"
        assert client.post("/api-keys", json={"name": "x", "role": "owner"}).status_code == 403
        operator = created(
            client.post("/users", json={"email": email(), "password": PASSWORD, "role": "operator"})
        )
        promoted = client.patch(f"/users/{operator['id']}", json={"role": "owner"})
        assert promoted.status_code == 403
        assert client.patch(f"/users/{operator['id']}", json={"role": "admin"}).status_code == 200
    owner = created(
        api.post("/users", json={"email": email(), "password": PASSWORD, "role": "owner"})
    )
    with api_client(server, admin["secret"]) as client:
        assert client.patch(f"/users/{owner['id']}", json={"name": "x"}).status_code == 403
        assert client.delete(f"/users/{owner['id']}").status_code == 403
    assert api.patch(f"/users/{operator['id']}", json={"role": "owner"}).status_code == 200


def test_an_api_key_is_shown_once_stored_hashed_and_revocable(
    server: RunningServer, api: httpx.Client
) -> None:
    issued = new_key(api, "viewer")
    secret = issued["secret"]
    assert secret.startswith(f"kw_{issued['prefix']}_")
    assert issued["active"] is True
    listed = api.get("/api-keys", params={"limit": 500}).json()["items"]
    mine = next(k for k in listed if k["id"] == issued["id"])
    assert "secret" not in mine
    assert secret not in str(listed)
    assert "secret" not in api.get(f"/api-keys/{issued['id']}").json()
    with api_client(server, secret) as viewer:
        assert viewer.get("/sites").status_code == 200
        assert viewer.post("/sites", json={"name": "no"}).status_code == 403
        assert api.delete(f"/api-keys/{issued['id']}").status_code == 204
        revoked = viewer.get("/sites")
        assert revoked.status_code == 401
        assert revoked.json() == {"error": "unauthorized", "detail": "unknown or revoked API key"}
    after = api.get(f"/api-keys/{issued['id']}").json()
    assert after["active"] is False
    assert after["revoked_at"] is not None
    assert after["last_used_at"] is not None
    assert api.delete(f"/api-keys/{issued['id']}").status_code == 204  # idempotent
    only_revoked = api.get("/api-keys", params={"revoked": True, "limit": 500}).json()["items"]
    assert issued["id"] in {k["id"] for k in only_revoked}


def test_an_admin_cannot_revoke_an_owners_key(server: RunningServer, api: httpx.Client) -> None:
    owner = new_key(api, "owner")
    admin = new_key(api, "admin")
    with api_client(server, admin["secret"]) as client:
        assert client.delete(f"/api-keys/{owner['id']}").status_code == 403
    with api_client(server, owner["secret"]) as client:
        assert client.get("/sites").status_code == 200


def test_the_last_owner_stays(server: RunningServer) -> None:
    with api_client(server, second_organization(server, "Owners")) as api:
        first = created(
            api.post("/users", json={"email": email(), "password": PASSWORD, "role": "owner"})
        )
        for change in ({"role": "admin"}, {"is_active": False}):
            refused = api.patch(f"/users/{first['id']}", json=change)
            assert refused.status_code == 409, change
        last = api.delete(f"/users/{first['id']}")
        assert (last.status_code, last.json()["reason"]) == (409, "last_owner")
        second = created(
            api.post("/users", json={"email": email(), "password": PASSWORD, "role": "owner"})
        )
        assert api.patch(f"/users/{first['id']}", json={"role": "admin"}).status_code == 200
        assert api.delete(f"/users/{second['id']}").status_code == 409


@pytest.mark.parametrize("role", ["admin", "operator", "technician", "finance", "viewer"])
def test_only_an_owner_creates_organizations(
    server: RunningServer, api: httpx.Client, role: str
) -> None:
    with api_client(server, new_key(api, role)["secret"]) as client:
        response = client.post("/organizations", json={"name": f"Org {uuid.uuid4().hex}"})
    assert response.status_code == 403


def test_an_owner_creates_a_separate_organization_with_its_first_owner(
    server: RunningServer, api: httpx.Client
) -> None:
    name = f"Tenant {uuid.uuid4().hex[:8]}"
    owner_email = email()
    made = created(
        api.post(
            "/organizations",
            json={"name": name, "owner_email": owner_email, "owner_password": PASSWORD},
        )
    )
    assert made["name"] == name
    assert made["owner"]["email"] == owner_email
    assert made["owner"]["role"] == "owner"
    key = made["owner_key"]["secret"]
    with api_client(server, key) as tenant:
        assert tenant.get("/organizations/current").json()["id"] == made["id"]
        assert tenant.get("/users").json()["items"][0]["email"] == owner_email
        assert tenant.get("/sites").json()["items"] == []
    assert api.get("/organizations/current").json()["id"] != made["id"]
    assert api.post("/organizations", json={"name": name}).status_code == 409
    half = api.post("/organizations", json={"name": "x" + name, "owner_email": email()})
    assert half.status_code == 422
    taken = api.post(
        "/organizations",
        json={"name": "y" + name, "owner_email": owner_email, "owner_password": PASSWORD},
    )
    assert taken.status_code == 409
    # Nothing half-made: the name of the refused organization is still free.
    assert api.post("/organizations", json={"name": "y" + name}).status_code == 201
