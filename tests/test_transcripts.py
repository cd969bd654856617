"""Transcripts: a conversation as txt, json or csv, for its agents and for its own customer."""

from __future__ import annotations

import csv
import io
import json

import pytest
from starlette.testclient import TestClient

from chat.service.transcripts import safe_cell
from tests.conftest import assert_error, login, start

EMAIL = "dana@example.com"


def agent_path(session_id: int) -> str:
    return f"/api/v1/chat/sessions/{session_id}/transcript"


def public_path(key: str) -> str:
    return f"/api/v1/chat/public/session/{key}/transcript"


@pytest.fixture
def chat(client: TestClient) -> dict:
    """A conversation: the customer writes (a formula, a quote, two lines), an agent answers."""
    started = start(client, name="Dana", email=EMAIL)
    key, session_id = started["session_key"], started["session"]["id"]
    for content in ['=HYPERLINK("http://evil.example","click")', 'Line one\nsaid "hi", ok']:
        body = {"session_key": key, "content": content}
        assert client.post("/api/v1/chat/public/message", json=body).status_code == 201
    headers = login(client)
    reply = {"session_id": session_id, "content": "-5 is the code; @Dana thanks"}
    assert client.post("/api/v1/chat/messages", json=reply, headers=headers).status_code == 201
    return {"key": key, "id": session_id, "headers": headers}


def test_text_transcript_for_the_agent(client: TestClient, chat: dict) -> None:
    answer = client.get(agent_path(chat["id"]), headers=chat["headers"])
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="conversation-{chat["id"]}.txt"'
    assert answer.headers["x-content-type-options"] == "nosniff"
    text = answer.text
    assert text.startswith(f"Conversation #{chat['id']}\nCustomer: Dana <{EMAIL}>\n")
    assert "Agent: Alice Agent\n" in text and "Messages: 3" in text
    lines = text.split("\n\n", 1)[1].splitlines()
    assert lines[0].endswith('] Dana (customer): =HYPERLINK("http://evil.example","click")')
    assert lines[1].endswith("] Dana (customer): Line one")
    assert lines[2] == '  said "hi", ok'  # a message's later lines are indented under it
    assert lines[3].endswith("] Alice Agent (agent): -5 is the code; @Dana thanks")
    assert lines[0].startswith("[20") and " UTC] " in lines[0]


def test_the_customer_gets_their_own_transcript_without_the_email(
    client: TestClient, chat: dict
) -> None:
    for fmt in ("txt", "json", "csv"):
        answer = client.get(public_path(chat["key"]), params={"format": fmt})
        assert answer.status_code == 200, fmt
        assert EMAIL not in answer.text, fmt
        assert "Line one" in answer.text, fmt
        assert answer.headers["access-control-allow-origin"] == "*"  # the widget is elsewhere
    text = client.get(public_path(chat["key"])).text  # txt by default
    assert "Customer: Dana\n" in text


def test_json_transcript_holds_the_api_views(client: TestClient, chat: dict) -> None:
    agents = client.get(agent_path(chat["id"]), params={"format": "json"}, headers=chat["headers"])
    assert agents.headers["content-type"] == "application/json; charset=utf-8"
    disposition = agents.headers["content-disposition"]
    assert disposition == f'attachment; filename="conversation-{chat["id"]}.json"'
    body = agents.json()
    assert set(body) == {"session", "messages"}
    assert body["session"]["customer_email"] == EMAIL
    history = client.get(f"/api/v1/chat/sessions/{chat['id']}/messages", headers=chat["headers"])
    assert body["messages"] == history.json()["messages"]

    public = client.get(public_path(chat["key"]), params={"format": "json"}).json()
    assert "customer_email" not in public["session"] and "page_url" not in public["session"]
    assert public["messages"] == body["messages"]


def test_csv_transcript_quotes_and_defuses_formulas(client: TestClient, chat: dict) -> None:
    answer = client.get(agent_path(chat["id"]), params={"format": "csv"}, headers=chat["headers"])
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="conversation-{chat["id"]}.csv"'
    raw = answer.content.decode("utf-8")
    assert raw.startswith("\ufeffseq,time,sender_type,sender_name,content\r\n")
    rows = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"), newline="")))
    assert rows[0] == ["seq", "time", "sender_type", "sender_name", "content"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    assert rows[1][4] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert rows[2][4] == 'Line one\nsaid "hi", ok'  # the newline and quotes survive, quoted
    assert rows[3][2:] == ["agent", "Alice Agent", "'-5 is the code; @Dana thanks"]
    # No cell a spreadsheet would run: none starts with = + - @, a tab or a carriage return.
    assert not [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize("start_char", ["=", "+", "-", "@"])
def test_every_formula_start_is_defused_in_csv(client: TestClient, start_char: str) -> None:
    started = start(client, name=f"{start_char}cmd|' /C calc'!A0")
    body = {"session_key": started["session_key"], "content": f"{start_char}1+1 x"}
    assert client.post("/api/v1/chat/public/message", json=body).status_code == 201
    answer = client.get(public_path(started["session_key"]), params={"format": "csv"})
    row = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"), newline="")))[1]
    assert row[3] == f"'{start_char}cmd|' /C calc'!A0"
    assert row[4] == f"'{start_char}1+1 x"


def test_cells_starting_with_tab_or_carriage_return_are_defused_too() -> None:
    # Names and messages arrive trimmed, so these cannot start one today; the guard holds anyway.
    assert [safe_cell(v) for v in ("\tx", "\rx", "x=1", "", "'=x")] == [
        "'\tx",
        "'\rx",
        "x=1",
        "",
        "'=x",
    ]


def test_a_long_conversation_comes_out_whole_and_in_order(client: TestClient) -> None:
    started = start(client, name="Long")
    key = started["session_key"]
    count = 1234  # more than two of the pages the transcript is read in
    for n in range(count):
        body = {"session_key": key, "content": f"message {n}"}
        assert client.post("/api/v1/chat/public/message", json=body).status_code == 201
    body = client.get(public_path(key), params={"format": "json"}).json()
    assert [m["seq"] for m in body["messages"]] == list(range(1, count + 1))
    rows = client.get(public_path(key), params={"format": "csv"}).text.splitlines()
    assert len(rows) == count + 1 and rows[-1].endswith(f",message {count - 1}")
    text = client.get(public_path(key)).text
    assert text.count("(customer): message ") == count


def test_an_empty_conversation_is_a_valid_file(client: TestClient) -> None:
    key = start(client)["session_key"]
    body = client.get(public_path(key), params={"format": "json"}).json()
    assert body["messages"] == [] and body["session"]["status"] == "queued"
    text = client.get(public_path(key)).text
    assert "Customer: Visitor\n" in text and "Messages: 0" in text
    rows = client.get(public_path(key), params={"format": "csv"}).text.splitlines()
    assert len(rows) == 1


def test_unknown_format_is_422(client: TestClient, chat: dict) -> None:
    for fmt in ("pdf", "TXT", "txt ", "json;"):
        answer = client.get(public_path(chat["key"]), params={"format": fmt})
        assert_error(answer, 422, "invalid_request")
        answer = client.get(agent_path(chat["id"]), params={"format": fmt}, headers=chat["headers"])
        assert_error(answer, 422, "invalid_request")


def test_another_key_or_id_is_404_and_agents_must_log_in(client: TestClient, chat: dict) -> None:
    other = start(client, name="Other")
    mine = client.get(public_path(other["session_key"])).text
    assert "Dana" not in mine and "Line one" not in mine
    assert_error(client.get(public_path("not-a-key")), 404, "not_found")
    assert_error(client.get(public_path(chat["key"] + "x")), 404, "not_found")
    assert_error(client.get(agent_path(99999), headers=chat["headers"]), 404, "not_found")
    assert_error(client.get(agent_path(chat["id"])), 401, "unauthorized")
    assert_error(client.get(agent_path(chat["id"]), params={"format": "csv"}), 401, "unauthorized")


def test_json_transcript_is_one_message_a_line(client: TestClient, chat: dict) -> None:
    text = client.get(public_path(chat["key"]), params={"format": "json"}).text
    lines = text.splitlines()
    assert len(lines) == 1 + 3 + 1  # the session, three messages, the closing bracket
    assert json.loads(text)["messages"][2]["sender_type"] == "agent"
