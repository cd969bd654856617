"""The agents' daily tools (issue #19, TEAMS.md "Notes, canned responses, labels") through the
API and real sockets on a real server, on both backends: notes with mentions that never reach
a customer by any path, canned responses and their shortcode rules, labels managed by admins,
put on conversations live, and the inbox filters by them. Filling in a canned response and
finding mentions are plain functions, tested on their own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chat.config import Settings
from chat.models import Agent, Role, Session, SessionStatus
from chat.service.canned import fill, values_for
from chat.service.notes import find_mentions
from tests.conftest import ADMIN, ALICE, BOB
from tests.sockets import Server, running

API = "/api/v1"
SECRET = "SECRET-7431 card ends 4242"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def agent_id(server: Server, headers: dict[str, str]) -> int:
    return (await server.http.get(f"{API}/auth/me", headers=headers)).json()["agent"]["id"]


# -- notes ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_note_with_mentions_reaches_agents_and_no_customer_path(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        http = server.http
        alice, bob = bearer(await server.login(ALICE)), bearer(await server.login(BOB))
        bob_id = await agent_id(server, bob)
        started = await server.start(name="Pat", email="pat@example.com")
        sid, key = started["session"]["id"], started["session_key"]
        await server.say(key, "Hello, I need a refund")
        await http.post(f"{API}/chat/sessions/{sid}/assign", headers=alice)
        before = (await http.get(f"{API}/chat/sessions/{sid}", headers=alice)).json()["session"]
        customer = await server.customer_socket(key)
        await customer.next("connection.ready")
        bob_socket = await server.agent_socket(bob["Authorization"][7:])
        await bob_socket.next("connection.ready")

        url = f"{API}/chat/sessions/{sid}/notes"
        body = {"content": f"@bob agent please check {SECRET} <b>x</b>", "client_id": "n-1"}
        answer = await http.post(url, json=body, headers=alice)
        assert answer.status_code == 201, answer.text
        note = answer.json()["note"]
        assert set(note) == {"id", "session_id", "agent", "content", "mentions", "created_at"}
        assert note["mentions"] == [{"id": bob_id, "name": "Bob Agent"}]
        assert note["content"] == body["content"]  # stored as written: text, not markup
        # A repeated client_id answers the stored note, and writes nothing new.
        again = await http.post(url, json=body, headers=alice)
        assert again.status_code == 200 and again.json()["note"]["id"] == note["id"]
        # Bob (who does not hold the conversation) hears the note and his mention, once each.
        new = await bob_socket.next("chat.note.new")
        assert new["data"]["note"]["id"] == note["id"] and new["data"]["session"]["id"] == sid
        mention = await bob_socket.next("chat.mention")
        assert mention["data"]["agent"]["id"] == bob_id
        assert mention["data"]["note"]["content"] == body["content"]
        assert [f["type"] for f in await bob_socket.quiet(0.3)] == []
        # Two more notes, one naming nobody known, one by Bob naming Alice.
        await http.post(url, json={"content": f"@Nobody Here {SECRET}"}, headers=alice)
        third = await http.post(url, json={"content": f"@Alice Agent ok {SECRET}"}, headers=bob)
        assert [m["name"] for m in third.json()["note"]["mentions"]] == ["Alice Agent"]
        listed = (await http.get(url, headers=bob)).json()["notes"]
        assert [n["agent"]["name"] for n in listed] == ["Alice Agent", "Alice Agent", "Bob Agent"]

        # No seq taken, status and assignee unchanged.
        after = (await http.get(f"{API}/chat/sessions/{sid}", headers=alice)).json()["session"]
        assert after["message_count"] == before["message_count"]
        assert (after["status"], after["assigned_agent"]) == ("active", before["assigned_agent"])
        await server.say(key, "Still there?")
        messages = (await http.get(f"{API}/chat/sessions/{sid}/messages", headers=alice)).json()
        assert [m["seq"] for m in messages["messages"]] == list(
            range(1, len(messages["messages"]) + 1)
        )

        # Every customer path: the live socket, a replay from 0, history, every transcript.
        seen = [json.dumps(f) for f in await customer.quiet(0.5)]
        replay = await server.customer_socket(key, last_event_id=0)
        seen += [
            json.dumps(f) for f in await replay.until(lambda f: f["type"] == "connection.ready")
        ]
        seen.append((await http.get(f"{API}/chat/public/session/{key}")).text)
        for fmt in ("txt", "json", "csv"):
            transcript = await http.get(
                f"{API}/chat/public/session/{key}/transcript", params={"format": fmt}
            )
            assert transcript.status_code == 200
            seen.append(transcript.text)
        assert any("Still there?" in text for text in seen)  # the paths were read
        for text in seen:
            assert "SECRET-7431" not in text and "chat.note" not in text
            assert "chat.mention" not in text
        # The agent's own transcript has no notes either: it is the conversation as sent.
        agent_copy = await http.get(f"{API}/chat/sessions/{sid}/transcript", headers=alice)
        assert "SECRET-7431" not in agent_copy.text
        for socket in (customer, replay, bob_socket):
            await socket.close()


@pytest.mark.anyio
async def test_notes_refuse_blank_or_oversized_content_and_unknown_conversations(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        alice = bearer(await server.login(ALICE))
        sid = (await server.start(name="Pat"))["session"]["id"]
        url = f"{API}/chat/sessions/{sid}/notes"
        too_long = "x" * (settings.limits.content_max + 1)
        for content in ("   ", too_long, "bad\x00char"):
            answer = await server.http.post(url, json={"content": content}, headers=alice)
            assert answer.status_code == 422, answer.text
        missing = await server.http.post(
            f"{API}/chat/sessions/999999/notes", json={"content": "hi"}, headers=alice
        )
        assert missing.status_code == 404
        anonymous = await server.http.post(url, json={"content": "hi"})
        assert anonymous.status_code == 401


def test_mentions_are_active_agents_named_whole_with_the_longest_name_first() -> None:
    team = [_agent(1, "Bob"), _agent(2, "Bob Agent"), _agent(3, "Alice Agent")]
    assert find_mentions("@Bob Agent hi", team) == ((2, "Bob Agent"),)
    assert find_mentions("@bob, and @ALICE AGENT.", team) == ((1, "Bob"), (3, "Alice Agent"))
    assert find_mentions("@Bobby and bob@example.com and Bob", team) == ()
    assert find_mentions("@Bob @Bob", team) == ((1, "Bob"),)


def _agent(agent_id: int, name: str) -> Agent:
    return Agent(agent_id, name, f"a{agent_id}@example.com", Role.AGENT, "", True)


# -- canned responses -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_canned_responses_follow_the_shortcode_rules_and_fill_in_as_text(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        http = server.http
        alice, bob = bearer(await server.login(ALICE)), bearer(await server.login(BOB))
        url = f"{API}/canned"
        content = "Hi {{customer.first_name || 'there'}}, {{agent.first_name}} here ({{x.y}})"
        made = await http.post(url, json={"shortcode": "Refund", "content": content}, headers=bob)
        assert made.status_code == 201, made.text
        canned = made.json()["canned"]
        assert canned["shortcode"] == "refund"  # taken in lower case
        # Taken whatever the case; the pattern and the length are enforced.
        taken = await http.post(url, json={"shortcode": "REFUND", "content": "x"}, headers=alice)
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"
        for code in ("a", "x" * 33, "has space", "émoji", "slash/es"):
            bad = await http.post(url, json={"shortcode": code, "content": "x"}, headers=alice)
            assert bad.status_code == 422, (code, bad.text)
        other = await http.post(url, json={"shortcode": "hi_2", "content": "Hello"}, headers=alice)
        assert other.status_code == 201
        other_id = other.json()["canned"]["id"]
        clash = await http.put(
            f"{url}/{other_id}", json={"shortcode": "refund", "content": "x"}, headers=alice
        )
        assert clash.status_code == 409
        renamed = await http.put(
            f"{url}/{other_id}", json={"shortcode": "hello", "content": "Hey"}, headers=alice
        )
        assert renamed.status_code == 200 and renamed.json()["canned"]["shortcode"] == "hello"
        listed = (await http.get(url, headers=alice)).json()["canned"]
        assert [c["shortcode"] for c in listed] == ["hello", "refund"]
        assert (await http.delete(f"{url}/{other_id}", headers=bob)).status_code == 204
        assert (await http.delete(f"{url}/{other_id}", headers=bob)).status_code == 404

        # Filled in for a customer whose name looks like a variable and like markup.
        sid = (await server.start(name="{{agent.email}} <b>x</b>"))["session"]["id"]
        filled = await http.post(
            f"{url}/{canned['id']}/fill", json={"session_id": sid}, headers=alice
        )
        assert filled.status_code == 200, filled.text
        text = filled.json()["text"]
        assert text == "Hi {{agent.email}}, Alice here ({{x.y}})"
        at = text.index("{{x.y}}")
        gaps = filled.json()["gaps"]
        assert gaps == [{"variable": "x.y", "start": at, "end": at + 7, "reason": "unknown"}]


def test_filling_in_is_one_pass_with_fallbacks_and_marks_what_is_missing() -> None:
    session = Session(7, SessionStatus.ACTIVE, None, "", None, None, 0, None, False, "t", "t", 0, 0)
    values = values_for(session, _agent(1, "Alice Agent"))
    filled = fill(
        "{{customer.first_name || 'there'}} {{ customer.name||\"you\" }} #{{conversation.id}}"
        " {{agent.name}} {{customer.email}} {{agent.email || 'x'}} {{ nope",
        values,
    )
    assert filled.text == (
        "there you #7 Alice Agent {{customer.email}} {{agent.email || 'x'}} {{ nope"
    )
    assert [(g.variable, g.reason) for g in filled.gaps] == [
        ("customer.email", "empty"),
        ("agent.email", "unknown"),
    ]
    # Substituted values are never read again, and positions count as a browser does (UTF-16).
    values["customer.name"] = "{{agent.name}} 😀"
    again = fill("{{customer.name}} {{customer.email}}", values)
    assert again.text == "{{agent.name}} 😀 {{customer.email}}"
    gap = again.gaps[0]
    assert (gap.start, gap.end) == (18, 36)


# -- labels ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_admins_manage_labels_and_agents_put_them_on_conversations_live(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        http = server.http
        admin, alice = bearer(await server.login(ADMIN)), bearer(await server.login(ALICE))
        bob_token = await server.login(BOB)
        url = f"{API}/labels"
        refused = await http.post(url, json={"name": "VIP", "color": "#ff0000"}, headers=alice)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        ids = {}
        for name, color in (("VIP", "#ff0000"), ("Billing", "#00aa00"), ("Bug", "#0000ff")):
            made = await http.post(url, json={"name": name, "color": color}, headers=admin)
            assert made.status_code == 201, made.text
            ids[name] = made.json()["label"]["id"]
        dup = await http.post(url, json={"name": "vip", "color": "#123456"}, headers=admin)
        assert dup.status_code == 409
        bad = await http.post(url, json={"name": "X", "color": "red"}, headers=admin)
        assert bad.status_code == 422
        assert (
            await http.put(
                f"{url}/{ids['Bug']}", json={"name": "B", "color": "#000000"}, headers=alice
            )
        ).status_code == 403
        listed = (await http.get(url, headers=alice)).json()["labels"]
        assert [label["name"] for label in listed] == ["Billing", "Bug", "VIP"]
        assert listed[2]["color"] == "#FF0000"

        # Five conversations with known labels: the filters' answers are known.
        # s1: VIP+Billing (Alice's), s2: VIP, s3: Billing (Alice's), s4: none, s5: Bug
        wanted = [["VIP", "Billing"], ["VIP"], ["Billing"], [], ["Bug"]]
        sids, keys = [], []
        for n in range(1, len(wanted) + 1):
            started = await server.start(name=f"Customer {n}")
            sids.append(started["session"]["id"])
            keys.append(started["session_key"])
        for n in (0, 2):
            await http.post(f"{API}/chat/sessions/{sids[n]}/assign", headers=alice)
        bob_socket = await server.agent_socket(bob_token)
        await bob_socket.next("connection.ready")
        customer = await server.customer_socket(keys[0])
        await customer.next("connection.ready")
        for sid, names in zip(sids, wanted, strict=True):
            answer = await http.put(
                f"{API}/chat/sessions/{sid}/labels",
                json={"label_ids": [ids[name] for name in names]},
                headers=alice,
            )
            assert answer.status_code == 200, answer.text
            got = sorted(label["name"] for label in answer.json()["session"]["labels"])
            assert got == sorted(names)
        updated = await bob_socket.next("chat.session.updated")  # Bob's page hears it live
        assert updated["data"]["session"]["id"] == sids[0]
        assert [lb["name"] for lb in updated["data"]["session"]["labels"]] == ["Billing", "VIP"]
        assert "VIP" not in json.dumps(await customer.quiet(0.3))  # labels are internal
        unknown = await http.put(
            f"{API}/chat/sessions/{sids[3]}/labels", json={"label_ids": [999999]}, headers=alice
        )
        assert unknown.status_code == 422

        async def listed_ids(**params: Any) -> list[int]:
            answer = await http.get(f"{API}/chat/sessions", params=params, headers=alice)
            assert answer.status_code == 200, answer.text
            return sorted(s["id"] for s in answer.json()["sessions"] if s["id"] in sids)

        vip, billing, bug = ids["VIP"], ids["Billing"], ids["Bug"]
        s1, s2, s3, s4, s5 = sids
        assert await listed_ids(label=[vip]) == [s1, s2]
        assert await listed_ids(label=[vip, billing]) == [s1, s2, s3]
        assert await listed_ids(label=[vip, billing], label_match="all") == [s1]
        assert await listed_ids(label=[vip, billing], label_match="none") == [s4, s5]
        assert await listed_ids(label=[billing], assignee="me") == [s1, s3]
        assert await listed_ids(label=[vip], assignee="none") == [s2]
        assert await listed_ids(label=[vip, bug], status="active") == [s1]
        assert await listed_ids(label=[bug], label_match="none", status="active") == [s1, s3]
        for params in ({"label_match": "some"}, {"label": "x"}, {"assignee": "them"}):
            answer = await http.get(f"{API}/chat/sessions", params=params, headers=alice)
            assert answer.status_code == 422, params

        # Labels in search results and in the agent's export, never in the customer's.
        found = await http.get(
            f"{API}/chat/search", params={"customer": "Customer 1"}, headers=alice
        )
        result = [r for r in found.json()["results"] if r["session"]["id"] == s1][0]
        assert {lb["name"] for lb in result["session"]["labels"]} == {"VIP", "Billing"}
        exported = await http.get(f"{API}/chat/sessions/{s1}/transcript", headers=alice)
        assert "Labels: Billing, VIP" in exported.text
        exported = await http.get(
            f"{API}/chat/sessions/{s1}/transcript", params={"format": "json"}, headers=alice
        )
        assert "Billing" in exported.text
        public = await http.get(f"{API}/chat/public/session/{keys[0]}/transcript")
        assert "Billing" not in public.text and "VIP" not in public.text

        # Renaming announces again; deleting takes the label off every conversation.
        renamed = await http.put(
            f"{url}/{vip}", json={"name": "Gold", "color": "#ffd700"}, headers=admin
        )
        assert renamed.status_code == 200
        assert (await http.delete(f"{url}/{billing}", headers=admin)).status_code == 204
        one = (await http.get(f"{API}/chat/sessions/{s1}", headers=alice)).json()["session"]
        assert [lb["name"] for lb in one["labels"]] == ["Gold"]
        frames = await bob_socket.until(
            lambda f: (
                f["type"] == "chat.session.updated"
                and [lb["name"] for lb in f["data"]["session"]["labels"]] == ["Gold"]
            )
        )
        assert frames
        await bob_socket.close()
        await customer.close()
