"""Search over conversations: the FTS5 expression (SQLite) or tsquery (PostgreSQL) built from
what an agent typed, and its SQL. chat/words.py decides the words for both."""

from __future__ import annotations

import sqlite3
from collections.abc import Generator
from contextlib import closing

from chat.models import Found, Hit, Message, Part, Session, SessionStatus
from chat.storage.dialect import dialect
from chat.storage.sessions import session_select
from chat.words import search_words

# SQLite: index the messages written since the last index, in one statement the writer runs
# before each COMMIT (see migrations/0017_search_per_batch.sql). The highest message indexed is
# the highest rowid of FTS5's docsize table, which holds one row per indexed message; if the
# newest message were ever deleted (its delete trigger takes it out of the index) and its id
# given again, the new one would still be above it.
INDEX_NEW = (
    "INSERT INTO messages_fts (rowid, content) SELECT id, content FROM messages"
    " WHERE id > (SELECT coalesce(max(id), 0) FROM messages_fts_docsize)"
)

PREFIX_MIN = 2  # a last word shorter than this is matched whole: "a"* would match everything
MATCHES_PER_SESSION = 3
# snippet() wraps each matched term in these; content never holds them (control characters are
# refused at the door), so they split the snippet into plain text and matches safely.
OPEN, CLOSE = "\x02", "\x03"
SNIPPET_TOKENS = 12
ELLIPSIS = "…"
PAGE = 64  # hits read at a time
# ts_headline's options: the markers and length of FTS5's snippet().
HEADLINE = (
    f'StartSel="{OPEN}", StopSel="{CLOSE}", MaxWords={SNIPPET_TOKENS},'
    f" MinWords={SNIPPET_TOKENS // 2}, ShortWord=0, MaxFragments=1"
)
# ts_headline leaves out what its parser takes for HTML tags and entities; a message's text is
# text, so `<` and `&` go in as control characters (never in content) and come back after.
HIDDEN = str.maketrans("<&", "\x01\x04")
SHOWN = str.maketrans("\x01\x04", "<&")


def match_expression(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word as a quoted string, ANDed; the last one may be the
    start of a word (the agent is still typing it)."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    if len(words[-1]) >= PREFIX_MIN:
        quoted[-1] += "*"
    return " AND ".join(quoted)


def tsquery_text(words: list[str]) -> str:
    """The PostgreSQL counterpart of match_expression, for to_tsquery: every word quoted (the
    search configuration stems it and drops its accents), ANDed, the last one maybe a prefix."""
    quoted = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in words]
    if len(words[-1]) >= PREFIX_MIN:
        quoted[-1] += ":*"
    return " & ".join(quoted)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(
    db: sqlite3.Connection, customer: str | None, status: SessionStatus | None
) -> tuple[str, list[object]]:
    where, args = [], []
    if customer is not None:
        # SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE does that too.
        like = "ILIKE" if dialect(db) == "postgresql" else "LIKE"
        where.append(
            f"(s.customer_name {like} ? ESCAPE '\\' OR s.customer_email {like} ? ESCAPE '\\')"
        )
        args += [like_pattern(customer)] * 2
    if status is not None:
        where.append("s.status = ?")
        args.append(status.value)
    return "".join(f" AND {w}" for w in where), args


def iter_hits(
    db: sqlite3.Connection, match: str, customer: str | None, status: SessionStatus | None
) -> Generator[Hit, None, None]:
    """Every matching message with its snippet, newest first, read lazily: the caller stops as
    soon as it has enough conversations. The snippet is made while FTS5 stands on the row
    (cheap); looking a row up again later costs a read of the word's whole posting list."""
    extra, args = _filters(db, customer, status)
    cursor = db.execute(
        f"SELECT m.*, snippet(messages_fts, 0, '{OPEN}', '{CLOSE}', '…', {SNIPPET_TOKENS})"
        " AS snippet FROM messages_fts"
        " JOIN messages AS m ON m.id = messages_fts.rowid"
        " JOIN chat_sessions AS s ON s.id = m.session_id"
        f" WHERE messages_fts MATCH ?{extra} ORDER BY messages_fts.rowid DESC",
        (match, *args),
    )
    try:
        while rows := cursor.fetchmany(64):
            yield from (Hit(Message.from_row(r), split_snippet(r["snippet"])) for r in rows)
    finally:
        cursor.close()  # ends the statement (and its read snapshot) when the caller stops early


def iter_hits_postgresql(
    db: sqlite3.Connection, words: list[str], customer: str | None, status: SessionStatus | None
) -> Generator[Hit, None, None]:
    """iter_hits on PostgreSQL: pages of PAGE hits, newest first, each page after the last id
    seen, so a headline is made only for the hits the caller reads."""
    extra, args = _filters(db, customer, status)
    select = (
        "SELECT m.*, ts_headline('switchboard', translate(m.content, '<&', ?), q.query, ?)"
        " AS snippet"
        " FROM to_tsquery('switchboard', ?) AS q (query)"
        " CROSS JOIN messages AS m JOIN chat_sessions AS s ON s.id = m.session_id"
        " WHERE to_tsvector('switchboard', m.content) @@ q.query"
    )
    query, before = tsquery_text(words), None
    while True:
        after = "" if before is None else " AND m.id < ?"
        rows = db.execute(
            f"{select}{after}{extra} ORDER BY m.id DESC LIMIT {PAGE}",
            ("<&".translate(HIDDEN), HEADLINE, query, *([] if before is None else [before]), *args),
        ).fetchall()
        for row in rows:
            snippet = with_ellipses(row["snippet"].translate(SHOWN), row["content"])
            yield Hit(Message.from_row(row), split_snippet(snippet))
        if len(rows) < PAGE:
            return
        before = rows[-1]["id"]


def with_ellipses(marked: str, content: str) -> str:
    """A headline as FTS5's snippet() makes it: "…" where it cuts words off the message, and
    what ts_headline leaves out around it that holds no word (a leading "<", say) kept."""
    plain = marked.replace(OPEN, "").replace(CLOSE, "")
    at = content.find(plain)
    if at < 0:
        return marked
    before, after = content[:at], content[at + len(plain) :]
    start = ELLIPSIS if search_words(before) else before
    end = ELLIPSIS if search_words(after) else after
    return f"{start}{marked}{end}"


def split_snippet(marked: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    for index, piece in enumerate(marked.split(OPEN)):
        matched, _, rest = piece.partition(CLOSE) if index else ("", "", piece)
        parts += [Part(matched, True)] if matched else []
        parts += [Part(rest, False)] if rest else []
    return tuple(parts)


def list_sessions_by_ids(db: sqlite3.Connection, ids: list[int]) -> dict[int, Session]:
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"{session_select(db)} WHERE s.id IN ({marks})", ids).fetchall()
    return {row["id"]: Session.from_row(row) for row in rows}


def list_sessions_by_customer(
    db: sqlite3.Connection, customer: str, status: SessionStatus | None, limit: int
) -> list[Session]:
    """Conversations whose customer's name or email contains `customer`, latest activity first."""
    extra, args = _filters(db, customer, status)
    rows = db.execute(
        f"{session_select(db)} WHERE TRUE{extra} ORDER BY s.updated_at DESC, s.id DESC LIMIT ?",
        (*args, limit),
    ).fetchall()
    return [Session.from_row(row) for row in rows]


def search_sessions(
    db: sqlite3.Connection,
    words: list[str],
    customer: str | None,
    status: SessionStatus | None,
    limit: int,
) -> list[Found]:
    """Conversations holding every word, by their newest matching message, newest first; each
    with up to MATCHES_PER_SESSION of its newest matches met before `limit` were found."""
    chosen: dict[int, list[Hit]] = {}
    if dialect(db) == "postgresql":
        found_hits = iter_hits_postgresql(db, words, customer, status)
    else:
        found_hits = iter_hits(db, match_expression(words), customer, status)
    with closing(found_hits) as hits:
        for hit in hits:
            found = chosen.get(hit.message.session_id)
            if found is None:
                if len(chosen) == limit:
                    break
                chosen[hit.message.session_id] = [hit]
            elif len(found) < MATCHES_PER_SESSION:
                found.append(hit)
    sessions = list_sessions_by_ids(db, list(chosen)) if chosen else {}
    return [Found(sessions[session_id], found) for session_id, found in chosen.items()]
