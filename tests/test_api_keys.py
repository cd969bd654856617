"""API keys (issue #22, TEAMS.md "Webhooks and API keys") on a real server, on both backends: an
admin makes read and write keys whose token is shown once; a key acts as its creator with the
rights of an agent, within its scope and its own rate limit; revoking it, or deactivating its
creator, ends it at once, on every node of a cluster; it never opens a socket."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chat.config import Settings
from tests.cluster import cluster
from tests.conftest import ADMIN, ALICE, ROOMY
from tests.sockets import Server, running

API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_key(server: Server, admin: dict[str, str], name: str, scope: str) -> dict[str, Any]:
    answer = await server.http.post(
        f"{API}/api-keys", json={"name": name, "scope": scope}, headers=admin
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def listed(server: Server, admin: dict[str, str]) -> dict[int, dict[str, Any]]:
    answer = await server.http.get(f"{API}/api-keys", headers=admin)
    assert answer.status_code == 200, answer.text
    return {key["id"]: key for key in answer.json()["api_keys"]}


@pytest.mark.anyio
async def test_a_read_key_reads_and_a_write_key_writes_as_its_creator(settings: Settings) -> None:
    async with running(settings) as server:
        http = server.http
        admin = bearer(await server.login(ADMIN))
        me = (await http.get(f"{API}/auth/me", headers=admin)).json()["agent"]
        reader = await make_key(server, admin, "Nightly export", "read")
        writer = await make_key(server, admin, "CRM bridge", "write")
        assert reader["token"].startswith("sbk_") and len(reader["token"]) == 4 + 43
        key = reader["api_key"]
        assert key["name"] == "Nightly export" and key["scope"] == "read"
        assert reader["token"].startswith(key["prefix"]) and len(key["prefix"]) < 16
        assert key["created_by"] == {"id": me["id"], "name": me["name"]}
        assert key["revoked"] is False and key["last_used_at"] is None

        # The list shows both keys and never a token.
        keys = await listed(server, admin)
        assert set(keys) == {reader["api_key"]["id"], writer["api_key"]["id"]}
        listing = (await http.get(f"{API}/api-keys", headers=admin)).text
        assert reader["token"] not in listing and writer["token"] not in listing
        assert reader["token"][len(key["prefix"]) :] not in listing

        started = await server.start(name="Pat")
        sid = started["session"]["id"]
        await server.say(started["session_key"], "Where is my parcel?")

        read = bearer(reader["token"])
        sessions = await http.get(f"{API}/chat/sessions", headers=read)
        assert sessions.status_code == 200, sessions.text
        assert sid in [s["id"] for s in sessions.json()["sessions"]]
        body = {"session_id": sid, "content": "From the script"}
        refused = await http.post(f"{API}/chat/messages", json=body, headers=read)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        assert "read-only" in refused.json()["error"]["message"]

        write = bearer(writer["token"])
        taken = await http.post(f"{API}/chat/sessions/{sid}/assign", json={}, headers=write)
        assert taken.status_code == 200, taken.text
        posted = await http.post(f"{API}/chat/messages", json=body, headers=write)
        assert posted.status_code == 201, posted.text
        history = await http.get(f"{API}/chat/sessions/{sid}/messages", headers=admin)
        last = history.json()["messages"][-1]
        assert last["content"] == "From the script" and last["sender_name"] == me["name"]

        # Each key's use shows in the list; the audit log has both keys made.
        keys = await listed(server, admin)
        assert keys[reader["api_key"]["id"]]["last_used_at"] is not None
        assert keys[writer["api_key"]["id"]]["last_used_at"] is not None
        audit = (await http.get(f"{API}/audit", headers=admin)).json()["entries"]
        made = [e for e in audit if e["action"] == "api_key.create"]
        assert len(made) == 2 and "CRM bridge" in made[0]["detail"]
        assert all(writer["token"] not in e["detail"] for e in audit)


@pytest.mark.anyio
async def test_a_key_has_an_agents_rights_only(settings: Settings) -> None:
    async with running(settings) as server:
        http = server.http
        admin = bearer(await server.login(ADMIN))
        write = bearer((await make_key(server, admin, "Ops", "write"))["token"])
        for path in ("/agents", "/settings/widget", "/api-keys", "/audit"):
            answer = await http.get(f"{API}{path}", headers=write)
            assert answer.status_code == 403, path
            assert answer.json()["error"]["code"] == "forbidden"
        made = await http.post(
            f"{API}/api-keys", json={"name": "x", "scope": "write"}, headers=write
        )
        assert made.status_code == 403
        assert (await http.get(f"{API}/auth/me", headers=write)).json()["agent"]["role"] == "agent"


@pytest.mark.anyio
async def test_an_agent_cannot_make_list_or_revoke_keys(settings: Settings) -> None:
    async with running(settings) as server:
        http = server.http
        admin = bearer(await server.login(ADMIN))
        alice = bearer(await server.login(ALICE))
        key = (await make_key(server, admin, "Ops", "read"))["api_key"]
        body = {"name": "Mine", "scope": "read"}
        assert (await http.post(f"{API}/api-keys", json=body, headers=alice)).status_code == 403
        assert (await http.get(f"{API}/api-keys", headers=alice)).status_code == 403
        gone = await http.delete(f"{API}/api-keys/{key['id']}", headers=alice)
        assert gone.status_code == 403
        assert (await listed(server, admin))[key["id"]]["revoked"] is False
        assert (await http.get(f"{API}/api-keys")).status_code == 401


@pytest.mark.anyio
async def test_a_bad_scope_or_name_is_refused(settings: Settings) -> None:
    async with running(settings) as server:
        admin = bearer(await server.login(ADMIN))
        for body in (
            {"name": "Ops", "scope": "admin"},
            {"name": "Ops"},
            {"name": "   ", "scope": "read"},
            {"name": "", "scope": "write"},
            {"name": "x" * 101, "scope": "read"},
            {"scope": "read"},
        ):
            answer = await server.http.post(f"{API}/api-keys", json=body, headers=admin)
            assert answer.status_code == 422, body
            assert answer.json()["error"]["code"] == "invalid_request"
        assert await listed(server, admin) == {}
        missing = await server.http.delete(f"{API}/api-keys/999", headers=admin)
        assert missing.status_code == 404


@pytest.mark.anyio
async def test_a_revoked_key_or_a_deactivated_creators_key_is_refused_at_once(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        http = server.http
        admin = bearer(await server.login(ADMIN))
        made = await make_key(server, admin, "Ops", "write")
        key = bearer(made["token"])
        assert (await http.get(f"{API}/chat/sessions", headers=key)).status_code == 200
        gone = await http.delete(f"{API}/api-keys/{made['api_key']['id']}", headers=admin)
        assert gone.status_code == 200, gone.text
        assert gone.json()["api_key"]["revoked"] is True
        refused = await http.get(f"{API}/chat/sessions", headers=key)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        audit = (await http.get(f"{API}/audit", headers=admin)).json()["entries"]
        assert [e["action"] for e in audit][:2] == ["api_key.revoke", "api_key.create"]
        # Revoking it again changes nothing.
        again = await http.delete(f"{API}/api-keys/{made['api_key']['id']}", headers=admin)
        assert again.json()["api_key"]["revoked_at"] == gone.json()["api_key"]["revoked_at"]


@pytest.mark.anyio
async def test_a_key_stops_when_its_creator_is_deactivated(settings: Settings) -> None:
    async with running(settings) as server:
        http = server.http
        admin = bearer(await server.login(ADMIN))
        me = (await http.get(f"{API}/auth/me", headers=admin)).json()["agent"]
        key = bearer((await make_key(server, admin, "Ops", "read"))["token"])
        alice = bearer(await server.login(ALICE))
        alice_id = (await http.get(f"{API}/auth/me", headers=alice)).json()["agent"]["id"]
        promoted = await http.patch(
            f"{API}/agents/{alice_id}", json={"role": "admin"}, headers=admin
        )
        assert promoted.status_code == 200, promoted.text
        assert (await http.get(f"{API}/chat/sessions", headers=key)).status_code == 200
        off = await http.post(f"{API}/agents/{me['id']}/deactivate", headers=alice)
        assert off.status_code == 200, off.text
        assert (await http.get(f"{API}/chat/sessions", headers=key)).status_code == 401
        # The key is still listed, as made by the deactivated admin.
        keys = (await http.get(f"{API}/api-keys", headers=alice)).json()["api_keys"]
        assert [k["created_by"]["id"] for k in keys] == [me["id"]]


@pytest.mark.anyio
async def test_a_key_over_its_rate_limit_waits(settings: Settings) -> None:
    limited = replace(settings, limits=replace(ROOMY, api_key_requests_per_minute=3))
    async with running(limited) as server:
        http = server.http
        admin = bearer(await server.login(ADMIN))
        key = bearer((await make_key(server, admin, "Ops", "read"))["token"])
        other = bearer((await make_key(server, admin, "Other", "read"))["token"])
        for _ in range(3):
            assert (await http.get(f"{API}/chat/sessions", headers=key)).status_code == 200
        over = await http.get(f"{API}/chat/sessions", headers=key)
        assert over.status_code == 429
        assert over.json()["error"]["code"] == "rate_limited"
        assert int(over.headers["Retry-After"]) >= 1
        # Another key, and the admin's own login, are not held back by it.
        assert (await http.get(f"{API}/chat/sessions", headers=other)).status_code == 200
        assert (await http.get(f"{API}/chat/sessions", headers=admin)).status_code == 200


@pytest.mark.anyio
async def test_a_key_opens_no_socket(settings: Settings) -> None:
    async with running(settings) as server:
        admin = bearer(await server.login(ADMIN))
        token = (await make_key(server, admin, "Ops", "write"))["token"]
        socket = await server.agent_socket(token)
        assert await socket.closed_with() == 4401


@pytest.mark.anyio
async def test_a_keys_limit_and_its_revocation_hold_across_nodes(settings: Settings) -> None:
    limits = replace(ROOMY, api_key_requests_per_minute=4)
    async with cluster(replace(settings, limits=limits)) as (a, b):
        admin = bearer(await a.login(ADMIN))
        made = await make_key(a, admin, "Ops", "read")
        key = bearer(made["token"])
        for node in (a, b, a, b):
            assert (await node.http.get(f"{API}/chat/sessions", headers=key)).status_code == 200
        over = await b.http.get(f"{API}/chat/sessions", headers=key)
        assert over.status_code == 429 and "Retry-After" in over.headers

        second = await make_key(a, admin, "Ops 2", "read")
        fresh = bearer(second["token"])
        assert (await b.http.get(f"{API}/chat/sessions", headers=fresh)).status_code == 200
        gone = await a.http.delete(f"{API}/api-keys/{second['api_key']['id']}", headers=admin)
        assert gone.status_code == 200
        assert (await b.http.get(f"{API}/chat/sessions", headers=fresh)).status_code == 401
