"""The knowledge base: Markdown articles indexed with SQLite FTS5, and the responder built on it."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chat.ai.responder import NOT_SURE, Reply, Turn, latest_question

# Words that say nothing about what the customer wants; every other word is a search term.
STOP_WORDS = frozenset(
    """
    a about above after again all am an and any anymore are as at be because been before
    being both but by can cant could d did didn do does doesn doing don dont down during each
    else ever for from further get getting got had has have having he her here hers him his
    how hows i id if im in into is isn it its itll ive just kind know let like ll m me might
    more most must my myself no nor not now of off ok okay on once only or other our ours out
    over own please pls re really s same should so some still such t than thank thanks that
    thats the their theirs them then there theres these they thing this those through to too
    tell u under until up ur us ve very want was wasn way we well were what whats when where
    which while who whom why will with won would wouldn yes yet you youre your yours
    hi hello hey hiya howdy morning afternoon evening
    """.split()
)
GREETINGS = frozenset("hi hello hey hiya howdy good morning afternoon evening".split())
THANKS = frozenset("thanks thank thx ty cheers".split())
# Words small talk may carry without asking anything: "hi, can you help me with a question?",
# "ok great, thanks so much!"
SMALL_TALK = STOP_WORDS | frozenset(
    "help question quick ask assist someone team yo ok great perfect awesome cool bye"
    " goodbye helpful helps much lot".split()
)
WORD = re.compile(r"[^\W_]+")
PREFIX_MIN = 4  # shorter words match too much as a prefix ("tea" would find "team")
MAX_TERMS = 32  # bounds the work a very long message costs


@dataclass(frozen=True, slots=True)
class Passage:
    """One `##` section of an article, as found for a question."""

    slug: str
    title: str
    heading: str
    text: str
    score: float  # bm25 (title and heading weighted above the body), higher is better
    matched: tuple[str, ...] = ()  # the question's terms that this passage's article contains
    coverage: float = 0.0  # the matched terms' share of the question, weighted by rarity


def terms(question: str) -> list[str]:
    """The question's search terms: lowercase words without stop words, each once."""
    words = WORD.findall(question.lower())
    found = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(found))[:MAX_TERMS]


def is_small_talk(text: str, kind: frozenset[str]) -> bool:
    """A hello (kind=GREETINGS) or a thank-you (kind=THANKS) that asks nothing else."""
    words = WORD.findall(text.lower())
    allowed = kind | SMALL_TALK
    return any(w in kind for w in words) and all(w in allowed for w in words)


def article_title(slug: str, markdown: str) -> str:
    """The article's `# ` heading on its first line with text, else its slug."""
    for line in markdown.splitlines():
        if line.strip():
            return line[2:].strip() or slug if line.startswith("# ") else slug
    return slug


def split_article(slug: str, markdown: str) -> list[tuple[str, str, str, str]]:
    """(slug, title, heading, body) for each `##` section of one article."""
    title, heading = slug, ""
    sections: list[tuple[str, str, str, str]] = []
    body: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("# ") and not sections and not "".join(body).strip():
            title = heading = line[2:].strip()
        elif line.startswith("## "):
            if "".join(body).strip():
                sections.append((slug, title, heading, "\n".join(body).strip()))
            heading, body = line[3:].strip(), []
        else:
            body.append(line)
    if "".join(body).strip():
        sections.append((slug, title, heading, "\n".join(body).strip()))
    return sections


def fts_term(word: str) -> str:
    """An FTS5 string: whatever the customer typed is matched as text, never as syntax."""
    quoted = '"' + word.replace('"', '""') + '"'
    return quoted + "*" if len(word) >= PREFIX_MIN else quoted


class KnowledgeBase:
    """The articles of a folder of Markdown files, re-indexed when the files change."""

    # bm25 column weights in table order: slug (not indexed), title, heading, body.
    WEIGHTS = (0.0, 2.0, 2.0, 1.0)

    def __init__(self, folder: Path | None, recheck_interval: float = 1.0) -> None:
        # None: the articles are given with load() (the app keeps them in its database).
        self.folder = Path(folder) if folder is not None else None
        self.recheck_interval = recheck_interval
        # Private, tiny and rebuilt from the files: an in-memory stdlib connection is enough.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5(slug UNINDEXED, title, heading, body,"
            " tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._checked = time.monotonic()
        self._count = 0
        self._reindex(self._files_signature())

    def __len__(self) -> int:
        return self._count

    def search(self, question: str, limit: int = 3) -> list[Passage]:
        """The passages that best answer the question, best first."""
        words = terms(question)
        if not words or limit < 1:
            return []
        with self._lock:
            self._refresh()
            # For each word: how many passages have it (its rarity), and which articles.
            found = {word: self._where(word) for word in words}
            rows = self._db.execute(
                "SELECT slug, title, heading, body, bm25(passages, ?, ?, ?, ?) FROM passages"
                " WHERE passages MATCH ? ORDER BY 5 LIMIT ?",
                (*self.WEIGHTS, " OR ".join(fts_term(w) for w in words), limit),
            ).fetchall()
            weight = {word: self._rarity(count) for word, (count, _) in found.items()}
        total = sum(weight.values())
        passages = []
        for slug, title, heading, body, rank in rows:
            matched = tuple(word for word in words if slug in found[word][1])
            coverage = sum(weight[word] for word in matched) / total
            passages.append(Passage(slug, title, heading, body, -rank, matched, coverage))
        return passages

    def _where(self, word: str) -> tuple[int, set[str]]:
        query = "SELECT slug FROM passages WHERE passages MATCH ?"
        slugs = [row[0] for row in self._db.execute(query, (fts_term(word),))]
        return len(slugs), set(slugs)

    def _rarity(self, count: int) -> float:
        """bm25's inverse document frequency: a word no passage has weighs the most."""
        return math.log(1 + (self._count - count + 0.5) / (count + 0.5))

    def load(self, articles: Sequence[tuple[str, str]]) -> None:
        """Index these (slug, Markdown) articles instead of the folder's files, from now on."""
        sections = [s for slug, text in articles for s in split_article(slug, text)]
        with self._lock:
            self.folder = None
            self._store(sections)
            self._signature = ()

    def _refresh(self) -> None:
        if self.folder is None:
            return
        now = time.monotonic()
        if now - self._checked < self.recheck_interval:
            return
        self._checked = now
        signature = self._files_signature()
        if signature != self._signature:
            self._reindex(signature)

    def _files_signature(self) -> tuple[tuple[str, int, int], ...]:
        stats: list[tuple[str, int, int]] = []
        if self.folder is None:
            return ()
        for path in sorted(self.folder.glob("*.md")):
            try:
                stat = path.stat()
            except FileNotFoundError:  # deleted between the listing and the stat
                continue
            stats.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(stats)

    def _reindex(self, signature: tuple[tuple[str, int, int], ...]) -> None:
        sections = []
        for name, _, _ in signature:
            assert self.folder is not None
            path = self.folder / name
            try:
                sections += split_article(path.stem, path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):  # mid-write or gone: the next check retries
                continue
        self._store(sections)
        self._signature = signature

    def _store(self, sections: list[tuple[str, str, str, str]]) -> None:
        with self._db:
            self._db.execute("DELETE FROM passages")
            self._db.executemany(
                "INSERT INTO passages (slug, title, heading, body) VALUES (?, ?, ?, ?)", sections
            )
        self._count = len(sections)

    def read_folder(self) -> list[tuple[str, str]]:
        """The folder's articles as (slug, Markdown): what a new database is seeded with."""
        found = []
        for path in sorted(self.folder.glob("*.md")) if self.folder else []:
            try:
                found.append((path.stem, path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
        return found


def excerpt(text: str, limit: int = 600) -> str:
    """The passage cut to chat size: whole paragraphs, else whole sentences, within limit."""
    text = text.replace("**", "")
    kept: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if len("\n\n".join([*kept, paragraph])) > limit:
            break
        kept.append(paragraph)
    if kept:
        return "\n\n".join(kept)
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind(".\n"), head.rfind(": "))
    if end > 0:
        return head[: end + 1]
    return head.rsplit(" ", 1)[0] + "…"


class KnowledgeResponder:
    """Answers from the help centre's articles, and says so honestly when they don't."""

    GREETING = "Hi! I'm Northwind Coffee's virtual assistant. What can I help you with today?"
    WELCOME = "You're welcome! Is there anything else I can help you with?"
    MIN_MATCHED = 2  # of the question's terms, in the article (or all of them, if fewer)
    MIN_COVERAGE = 0.2  # of the question's terms, weighted by rarity

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    async def reply(self, history: Sequence[Turn]) -> Reply:
        question = latest_question(history)
        if not question or is_small_talk(question, GREETINGS):
            return Reply(self.GREETING, answered=True)
        if is_small_talk(question, THANKS):
            return Reply(self.WELCOME, answered=True)
        found = self.kb.search(question, limit=1)
        if not found or not self.is_good_match(question, found[0]):
            return Reply(NOT_SURE, answered=False)
        best = found[0]
        text = f"Here's what I found in our help centre — {best.heading}\n\n{excerpt(best.text)}"
        return Reply(text, answered=True, source=best.slug)

    async def aclose(self) -> None:
        """Nothing to release; here so every responder can be closed the same way."""

    def is_good_match(self, question: str, passage: Passage) -> bool:
        """bm25 only ranks: a lone common word ("sell" in "do you sell loose leaf tea?") ranks
        some passage first too. An answer needs the article to hold at least two of the
        question's words (or its only one) and a fair share of their weight."""
        needed = min(self.MIN_MATCHED, len(terms(question)))
        return len(passage.matched) >= needed and passage.coverage >= self.MIN_COVERAGE
