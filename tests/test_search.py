"""Search over conversations: words (FTS5) and customers, and input that looks like FTS5 syntax."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from chat.errors import Conflict
from chat.models import Message, SenderType, SessionStatus, now_iso
from chat.storage.database import Database, connect
from chat.storage.messages import insert_message
from chat.storage.migrate import migrate
from chat.storage.search import match_expression, search_sessions
from chat.storage.sessions import insert_session
from chat.words import search_words
from tests.conftest import ROOT, assert_error, login, start

SEARCH = "/api/v1/chat/search"


def say(client: TestClient, key: str, *contents: str) -> None:
    for content in contents:
        answer = client.post(
            "/api/v1/chat/public/message", json={"session_key": key, "content": content}
        )
        assert answer.status_code == 201, answer.text


def conversation(client: TestClient, *contents: str, **details: Any) -> tuple[int, str]:
    started = start(client, **details)
    say(client, started["session_key"], *contents)
    return started["session"]["id"], started["session_key"]


def search(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = client.get(SEARCH, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def ids(results: list[dict[str, Any]]) -> list[int]:
    return [r["session"]["id"] for r in results]


@pytest.fixture
def agent(client: TestClient) -> dict[str, str]:
    return login(client)


def test_words_are_found_across_conversations_newest_match_first(
    client: TestClient, agent: dict[str, str]
) -> None:
    first, _ = conversation(client, "My invoice is wrong", name="Ann", email="ann@example.com")
    conversation(client, "Where is my parcel?", name="Ben")
    third, _ = conversation(client, "Second invoice also wrong", name="Cy")
    results = search(client, agent, q="invoice")
    assert ids(results) == [third, first]
    top = results[0]
    assert top["session"]["customer_name"] == "Cy"
    assert top["session"]["customer_email"] is None  # the agent view, emails included
    assert results[1]["session"]["customer_email"] == "ann@example.com"
    (match,) = top["matches"]
    assert match["message"]["content"] == "Second invoice also wrong"
    assert match["snippet"] == "Second invoice also wrong"
    assert [p for p in match["snippet_parts"] if p["match"]] == [{"text": "invoice", "match": True}]
    assert "".join(p["text"] for p in match["snippet_parts"]) == match["snippet"]


def test_every_word_must_be_in_the_same_message(client: TestClient, agent: dict[str, str]) -> None:
    both, _ = conversation(client, "refund for the blue jacket")
    conversation(client, "refund please", "the blue one")  # the words, but in two messages
    assert ids(search(client, agent, q="blue refund")) == [both]


def test_the_last_word_is_a_prefix_for_search_as_you_type(
    client: TestClient, agent: dict[str, str]
) -> None:
    session, _ = conversation(client, "my subscription renewed twice")
    assert ids(search(client, agent, q="subscr")) == [session]
    assert ids(search(client, agent, q="renewed subscr")) == [session]
    assert search(client, agent, q="subscr renewed") == []  # only the last word is unfinished
    assert search(client, agent, q="subscription renewedxyz") == []


def test_stems_and_diacritics_and_case_do_not_matter(
    client: TestClient, agent: dict[str, str]
) -> None:
    session, _ = conversation(client, "I CANCELLED my order at the Café Crème")
    for query in ("cancel", "cafe creme", "CAFÉ", "order cancelling"):
        assert ids(search(client, agent, q=query)) == [session], query


def test_snippets_mark_the_match_in_a_long_message_as_plain_text(
    client: TestClient, agent: dict[str, str]
) -> None:
    long = " ".join(["filler"] * 100) + " <b>tracking</b> number " + " ".join(["more"] * 100)
    conversation(client, long)
    (match,) = search(client, agent, q="tracking")[0]["matches"]
    assert len(match["snippet"]) < 150
    assert "<b>" in match["snippet"]  # the message's own text, not markup of ours
    marked = [p["text"] for p in match["snippet_parts"] if p["match"]]
    assert marked == ["tracking"]
    assert match["snippet"].startswith("…") and match["snippet"].endswith("…")


def test_a_conversation_lists_its_newest_matches_up_to_three(
    client: TestClient, agent: dict[str, str]
) -> None:
    conversation(client, *(f"coupon number {n}" for n in range(5)))
    (result,) = search(client, agent, q="coupon")
    assert [m["message"]["content"] for m in result["matches"]] == [
        "coupon number 4",
        "coupon number 3",
        "coupon number 2",
    ]


def test_customer_matches_name_or_email_as_a_literal_substring(
    client: TestClient, agent: dict[str, str]
) -> None:
    pat, _ = conversation(client, "hi", name="Pat Smith", email="pat@example.com")
    jo, _ = conversation(client, "hello", name="Jo", email="jo_100%@shop.example")
    conversation(client, "hey", name="Jolene", email="jolene@example.com")
    assert ids(search(client, agent, customer="smith")) == [pat]
    assert ids(search(client, agent, customer="PAT@EXAMPLE")) == [pat]
    assert ids(search(client, agent, customer="o_100%")) == [jo]  # % and _ are not wildcards
    assert search(client, agent, customer="j%e") == []
    assert search(client, agent, customer="pat")[0]["matches"] == []
    # Both: the words, within that customer's conversations.
    assert ids(search(client, agent, q="hello", customer="jo")) == [jo]
    assert search(client, agent, q="hello", customer="pat") == []


def test_status_and_limit_narrow_the_results(client: TestClient, agent: dict[str, str]) -> None:
    sessions = [conversation(client, f"warranty question {n}")[0] for n in range(4)]
    closed = sessions[1]
    answer = client.post(f"/api/v1/chat/sessions/{closed}/close", headers=agent)
    assert answer.status_code == 200
    assert ids(search(client, agent, q="warranty", status="closed")) == [closed]
    assert ids(search(client, agent, q="warranty", limit=2)) == sessions[:1:-1]
    assert len(search(client, agent, q="warranty")) == 4
    assert ids(search(client, agent, customer="", q="warranty", status="queued", limit=1)) == [
        sessions[3]
    ]


def test_a_new_message_is_found_the_moment_it_is_stored(
    client: TestClient, agent: dict[str, str]
) -> None:
    session, key = conversation(client, "hello")
    assert search(client, agent, q="zeppelin") == []
    say(client, key, "is the zeppelin late?")
    assert ids(search(client, agent, q="zeppelin")) == [session]
    reply = {"session_id": session, "content": "The zeppelin lands at noon."}
    assert client.post("/api/v1/chat/messages", json=reply, headers=agent).status_code == 201
    (result,) = search(client, agent, q="zeppelin noon")
    assert [m["message"]["sender_type"] for m in result["matches"]] == ["agent"]


# -- bad input -------------------------------------------------------------------------------

FTS_SYNTAX = [
    '"',
    '""',
    "*",
    "^",
    "NEAR(",
    "NEAR(a b, 2)",
    "AND",
    "OR",
    "NOT",
    "content:",
    "col:",
    "(",
    ")",
    "{content}",
    "-",
    "+",
    ":",
    "'",
    "\\",
    "\u0301",
    "%",
    "_",
]


@pytest.mark.parametrize("noise", FTS_SYNTAX)
def test_fts_syntax_is_searched_as_literal_words_never_run(
    client: TestClient, agent: dict[str, str], noise: str
) -> None:
    target, _ = conversation(client, "near and or not col content b a 2: refund ticket")
    conversation(client, "refund only")
    glue = f" {noise} " if search_words(noise) else noise  # "NEARrefund" would be one word
    query = f'{glue}refund{glue} {glue}"ticket{glue}'
    results = search(client, agent, q=query)
    assert target in ids(results)
    assert all("ticket" in r["matches"][0]["message"]["content"] for r in results)


def test_ten_kilobytes_of_fts_syntax_finds_the_words_it_holds(
    client: TestClient, agent: dict[str, str]
) -> None:
    target, _ = conversation(client, "NEAR AND OR NOT col content a b 2 Ünïcödé 票 refund")
    conversation(client, "refund without the rest")
    noise = ' " * ^ NEAR( AND OR NOT col: ( ) "" { } - + Ünïcödé 票 '
    query = (noise * (10 * 1024 // len(noise) + 1))[: 10 * 1024] + " refund"
    assert len(query) > 10 * 1024
    assert ids(search(client, agent, q=query)) == [target]


@pytest.mark.parametrize("query", ["", "   ", "*", '"', "^ ( ) : -", "\u0301\u0301", "_"])
def test_a_query_without_words_is_refused(
    client: TestClient, agent: dict[str, str], query: str
) -> None:
    answer = client.get(SEARCH, params={"q": query}, headers=agent)
    assert_error(answer, 422, "invalid_request")


def test_neither_words_nor_customer_is_refused(client: TestClient, agent: dict[str, str]) -> None:
    assert_error(client.get(SEARCH, headers=agent), 422, "invalid_request")
    blank = client.get(SEARCH, params={"customer": " "}, headers=agent)
    assert_error(blank, 422, "invalid_request")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x", "status": "open"},
        {"q": "x", "limit": "0"},
        {"q": "x", "limit": "many"},
        {"q": "x" * 20_001},
        {"q": " ".join(f"w{n}" for n in range(33))},
        {"customer": "x" * 300},
        {"customer": "a\x00b"},
    ],
)
def test_bad_parameters_are_refused(
    client: TestClient, agent: dict[str, str], params: dict[str, str]
) -> None:
    assert_error(client.get(SEARCH, params=params, headers=agent), 422, "invalid_request")


def test_search_is_for_agents_only(client: TestClient) -> None:
    conversation(client, "secret plans")
    assert_error(client.get(SEARCH, params={"q": "secret"}), 401, "unauthorized")


QUICK = {
    "deadline": None,
    "database": None,
    "max_examples": 150,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@hypothesis.settings(**QUICK)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
    | st.lists(st.sampled_from(FTS_SYNTAX + ["word", "Ü", "x"]), max_size=20).map("".join)
)
def test_any_text_gets_results_or_a_422_never_a_500(
    client: TestClient, agent: dict[str, str], text: str
) -> None:
    answer = client.get(SEARCH, params={"q": text}, headers=agent)
    assert answer.status_code in (200, 422), answer.text
    words = search_words(text)
    assert (answer.status_code == 200) == (bool(words) and len(words) <= 32)


@hypothesis.settings(deadline=None, database=None, max_examples=300)
@given(text=st.text(st.characters(exclude_categories=["Cs"])))
def test_every_expression_is_valid_fts5(text: str) -> None:
    """Whatever the text, the expression parses: FTS5 raises on syntax it cannot parse (and a
    NUL would end its string early: it is never part of a word)."""
    words = search_words(text)
    hypothesis.assume(words)
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(content, tokenize = 'porter unicode61')")
        db.execute("INSERT INTO t VALUES ('some text')")
        db.execute("SELECT * FROM t WHERE t MATCH ?", (match_expression(words),)).fetchall()


def test_words_are_split_on_anything_but_letters_digits_and_marks() -> None:
    assert search_words('NEAR("a" b)* col:x ^y') == ["NEAR", "a", "b", "col", "x", "y"]
    assert search_words("Ünï-cödé 票 e\u0301 \u0301") == ["Ünï", "cödé", "票", "e\u0301"]
    assert search_words("Refund refund REFUND") == ["Refund"]
    assert match_expression(['say "hi"', "a"]) == '"say ""hi""" AND "a"'
    assert match_expression(["ab"]) == '"ab"*'


# -- migrating a database that already holds messages -----------------------------------------


@pytest.mark.sqlite_only  # builds an older SQLite file by hand (PostgreSQL: tests/test_postgres.py)
@pytest.mark.anyio
async def test_a_database_from_before_search_gets_its_messages_indexed(
    tmp_path: Path, settings: Settings
) -> None:
    settings = replace(settings, database=tmp_path / "old.db")  # not the started template's copy
    conn = await connect(settings.database, "FULL")
    try:
        assert await migrate(conn, target=3) == 3
        await conn.executescript(
            "INSERT INTO chat_sessions (key_hash, status, customer_name, created_at, updated_at)"
            " VALUES (x'01', 'queued', 'Old Timer', '2020-01-01T00:00:00.000Z',"
            " '2020-01-01T00:00:00.000Z');"
            "INSERT INTO messages (session_id, seq, sender_type, content, created_at)"
            " VALUES (1, 1, 'customer', 'my gramophone is broken', '2020-01-01T00:00:00.000Z');"
        )
    finally:
        await conn.close()
    with TestClient(create_app(settings)) as client:
        (result,) = search(client, login(client), q="gramophone")
        assert result["session"]["customer_name"] == "Old Timer"
        assert result["session"]["message_count"] == 1
        assert result["matches"][0]["message"]["content"] == "my gramophone is broken"


def test_the_search_benchmark_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.search", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "search rare word" in done.stdout and "(1 found)" in done.stdout
    assert "export 1,000 messages as csv" in done.stdout


# -- the index is made once per write batch (issue #24) ----------------------------------------


@pytest.mark.anyio
async def test_every_message_of_a_batch_is_found_but_none_of_a_write_that_failed(
    db: Database,
) -> None:
    """The writer indexes a batch's messages in one statement before its COMMIT: each stored
    message is found, and one whose write failed in the same batch (rolled back, the rest run
    again without it) is neither stored nor found."""
    now = now_iso()
    session_id = await db.write(
        lambda conn: insert_session(conn, b"k" * 16, SessionStatus.ACTIVE, "Pat", None, None, now)
    )

    def say(word: str, fail: bool = False) -> Callable[[Any], Message]:
        def work(conn: Any) -> Message:
            message = insert_message(
                conn, session_id, SenderType.CUSTOMER, "Pat", None, f"my {word} broke", None, now
            )
            if fail:
                raise Conflict("this write fails after its INSERT")
            return message

        return work

    batches = db.batches
    words = ["gramophone", "harmonium", "xylophone", "ocarina"]
    outcomes = await asyncio.gather(
        *(db.write(say(word, fail=word == "xylophone")) for word in words),
        return_exceptions=True,
    )
    assert db.batches == batches + 1, "the four writes were meant to share one batch"
    assert isinstance(outcomes[2], Conflict)

    async def hits(word: str) -> list[int]:
        results = await db.read(lambda conn: search_sessions(conn, [word], None, None, 20))
        return [result.session.id for result in results]

    for word in ("gramophone", "harmonium", "ocarina"):
        assert await hits(word) == [session_id], word
    assert await hits("xylophone") == []
    stored = await db.read(
        lambda conn: conn.execute(
            "SELECT count(*) FROM messages WHERE session_id = ?", (session_id,)
        ).fetchone()[0]
    )
    assert stored == 3
