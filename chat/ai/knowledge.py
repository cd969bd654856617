"""The knowledge base: Markdown articles indexed twice, by words (SQLite FTS5, bm25) and by
meaning (sentence embeddings, chat/ai/embedding.py), and the responder built on both."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chat.ai.embedding import Encoder, shared_encoder
from chat.ai.responder import NOT_SURE, Reply, Turn, latest_question, search_text

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
# Beside the shipped articles: their parts' vectors, so that a start computes only what changed
# (python -m bench ai-eval --write-vectors writes it; tests/test_ai_retrieval.py checks it).
VECTORS = "vectors.npz"


@dataclass(frozen=True, slots=True)
class Passage:
    """One `##` section of an article, as found for a question."""

    slug: str
    title: str
    heading: str
    text: str
    score: float  # meaning and words together (see KnowledgeBase.search), higher is better
    matched: tuple[str, ...] = ()  # the question's terms that this passage's article contains
    coverage: float = 0.0  # the matched terms' share of the question, weighted by rarity
    similarity: float = 0.0  # cosine of the question and the section's closest part, -1 to 1
    best_part: str = ""  # that part: the paragraph (or list) of the section that answers best
    lexical: float = 0.0  # bm25 of the question's words (title and heading weighted above body)


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


def parts(body: str) -> list[str]:
    """A section's paragraphs, Markdown bold removed; a lead-in that ends with a colon keeps
    the list that follows it, so that an excerpt never stops at "depend on your zone:"."""
    found: list[str] = []
    for paragraph in re.split(r"\n\s*\n", body.replace("**", "")):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if found and found[-1].endswith(":"):
            found[-1] += "\n" + paragraph
        else:
            found.append(paragraph)
    return found


@dataclass(frozen=True, slots=True)
class _Meaning:
    """The sections' embeddings: one row per part (the heading, each paragraph and each list
    item), `owner` the section of each row and `paragraph` the paragraph it stands for."""

    vectors: np.ndarray
    owner: np.ndarray
    paragraph: list[int]
    paragraphs: list[list[str]]  # per section


def _units(title: str, heading: str, body: str) -> tuple[list[str], list[int], list[str]]:
    """(texts to embed, the paragraph each stands for, the paragraphs) of one section."""
    paragraphs = parts(body) or [body.strip()]
    # The heading alone: it is the question the section answers, and customers ask questions.
    # (With the article's title in front, "deliveries on hold" drew "Shipping and delivery".)
    texts, owners = [heading or title], [0]
    for n, paragraph in enumerate(paragraphs):
        texts.append(f"{heading} {paragraph}")
        owners.append(n)
        for line in paragraph.splitlines():
            item = line.strip()
            if item.startswith(("- ", "* ")) or re.match(r"\d+\. ", item):
                texts.append(f"{heading} {item}")
                owners.append(n)
    return texts, owners, paragraphs


def _edits(word: str) -> set[str]:
    """The word and every word one deleted letter away from it."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class KnowledgeBase:
    """The articles of a folder of Markdown files, re-indexed when the files change."""

    # bm25 column weights in table order: slug (not indexed), title, heading, body.
    WEIGHTS = (0.0, 2.0, 2.0, 1.0)
    # A section's score is its meaning (cosine of the question and its closest part) plus the
    # words it shares, bm25 squashed to 0..1 as s / (s + LEXICAL_HALF), times LEXICAL_WEIGHT.
    LEXICAL_WEIGHT = 0.1
    LEXICAL_HALF = 16.0
    TYPO_MIN = 4  # shorter words are too often one letter from another real word

    def __init__(
        self, folder: Path | None, recheck_interval: float = 1.0, by_meaning: bool = True
    ) -> None:
        # None: the articles are given with load() (the app keeps them in its database).
        self.folder = Path(folder) if folder is not None else None
        self.recheck_interval = recheck_interval
        # The process's shared sentence encoder; None (words alone, the old rule) when the
        # model is not installed or by_meaning is False.
        self.encoder: Encoder | None = shared_encoder() if by_meaning else None
        self._known = self.encoder.words if self.encoder is not None else frozenset()
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
        self._sections: list[tuple[str, str, str, str]] = []
        self._meaning: _Meaning | None = None
        self._spelling: dict[str, str] = {}
        if self.folder is not None and self.encoder is not None:
            if (self.folder / VECTORS).exists():  # the shipped articles' vectors, precomputed
                self.encoder.preload(self.folder / VECTORS)
        self._reindex(self._files_signature())

    def __len__(self) -> int:
        return self._count

    def corrected(self, question: str) -> str:
        """The question with each misspelt word (not a word the model knows, one letter from a
        word of the articles) replaced by that word: "pasword" → "password"."""
        if not self._known:
            return question

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(lower) < self.TYPO_MIN or lower in self._known or not lower.isalpha():
                return word
            for edit in sorted(_edits(lower)):
                if edit in self._spelling:
                    return self._spelling[edit]
            return word

        return WORD.sub(fix, question)

    def search(self, question: str, limit: int = 3) -> list[Passage]:
        """The sections that best answer the question, best first, each with its closest
        paragraph; only sections that share a word with it or are close in meaning."""
        question = self.corrected(question)
        words = terms(question)
        if limit < 1 or not WORD.search(question):
            return []
        with self._lock:
            self._refresh()
            sections, meaning = self._sections, self._meaning
            lexical = self._lexical(words) if words else {}
        similarity = np.zeros(len(sections), dtype=np.float32)
        closest = [0] * len(sections)
        if meaning is not None and self.encoder is not None and sections:
            cosines = meaning.vectors @ self.encoder.encode([question])[0]
            best = np.full(len(sections), -1.0, dtype=np.float32)
            for row, (section, cosine) in enumerate(zip(meaning.owner, cosines, strict=True)):
                if cosine > best[section]:
                    best[section], closest[section] = cosine, meaning.paragraph[row]
            similarity = best
        ranked = []
        for n, (slug, title, heading, body) in enumerate(sections):
            rank, matched, coverage = lexical.get(n, (0.0, (), 0.0))
            if not matched and similarity[n] < self.MIN_SIMILAR:
                continue
            score = float(similarity[n]) + self.LEXICAL_WEIGHT * rank / (rank + self.LEXICAL_HALF)
            part = meaning.paragraphs[n][closest[n]] if meaning is not None else ""
            ranked.append(
                Passage(
                    slug,
                    title,
                    heading,
                    body,
                    score,
                    matched,
                    coverage,
                    float(similarity[n]),
                    part,
                    rank,
                )
            )
        ranked.sort(key=lambda p: p.score, reverse=True)
        return ranked[:limit]

    MIN_SIMILAR = 0.3  # a section that shares no word with the question must be this close

    def _lexical(self, words: list[str]) -> dict[int, tuple[float, tuple[str, ...], float]]:
        """bm25 (positive, higher is better), the question's words that the section's article
        holds, and their share of the question weighted by rarity, by section number."""
        found = {word: self._where(word) for word in words}
        rows = self._db.execute(
            "SELECT rowid, slug, bm25(passages, ?, ?, ?, ?) FROM passages WHERE passages MATCH ?",
            (*self.WEIGHTS, " OR ".join(fts_term(w) for w in words)),
        ).fetchall()
        weight = {word: self._rarity(count) for word, (count, _) in found.items()}
        total = sum(weight.values()) or 1.0
        result = {}
        for rowid, slug, rank in rows:
            matched = tuple(word for word in words if slug in found[word][1])
            coverage = sum(weight[word] for word in matched) / total
            result[rowid - 1] = (-rank, matched, coverage)
        return result

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
                "INSERT INTO passages (rowid, slug, title, heading, body) VALUES (?, ?, ?, ?, ?)",
                [(n, *section) for n, section in enumerate(sections, 1)],
            )
        self._count = len(sections)
        self._sections = sections
        self._meaning = self._embed(sections)
        # Each distinct word once, in the order first seen (the first word an edit leads to
        # keeps it): the shipped articles' 3,800 such words are 925 distinct ones.
        words = dict.fromkeys(
            word
            for _, title, heading, body in sections
            for word in WORD.findall(f"{title} {heading} {body}".lower())
            if len(word) >= self.TYPO_MIN and word.isalpha()
        )
        spelling: dict[str, str] = {}
        for word in words:
            for edit in _edits(word):
                spelling.setdefault(edit, word)
        self._spelling = spelling

    def texts_to_embed(self) -> list[str]:
        """What _embed() encodes for the current articles (for Encoder.save)."""
        with self._lock:
            return [
                t
                for _, title, heading, body in self._sections
                for t in _units(title, heading, body)[0]
            ]

    def _embed(self, sections: list[tuple[str, str, str, str]]) -> _Meaning | None:
        """Every section's parts as vectors; the encoder's cache makes an unchanged section
        free, so an edited article costs only its own new paragraphs."""
        if self.encoder is None:
            return None
        texts: list[str] = []
        owner: list[int] = []
        paragraph: list[int] = []
        paragraphs: list[list[str]] = []
        for n, (_, title, heading, body) in enumerate(sections):
            units, owners, found = _units(title, heading, body)
            texts += units
            owner += [n] * len(units)
            paragraph += owners
            paragraphs.append(found)
        vectors = self.encoder.encode(texts)
        return _Meaning(vectors, np.array(owner, dtype=np.int64), paragraph, paragraphs)

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
    # Chosen on the tuning questions of bench/ai_questions.py (never the held-out ones): the
    # most right answers with no off-topic answer and at most 3% wrong.
    MIN_SCORE = 0.56
    MIN_MARGIN = 0.04  # over the best section of another article
    MIN_SIMILARITY_WITH_WORDS = 0.4

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    async def reply(self, history: Sequence[Turn]) -> Reply:
        question = latest_question(history)
        if not question or is_small_talk(question, GREETINGS):
            return Reply(self.GREETING, answered=True)
        if is_small_talk(question, THANKS):
            return Reply(self.WELCOME, answered=True)
        question = search_text(question)
        found = self.kb.search(question, limit=10)
        if not found or not self.is_confident(question, found):
            return Reply(NOT_SURE, answered=False)
        best = found[0]
        return Reply(answer_text(best), answered=True, source=best.slug)

    async def aclose(self) -> None:
        """Nothing to release; here so every responder can be closed the same way."""

    def is_confident(self, question: str, found: Sequence[Passage]) -> bool:
        """Answer only when the best section is close in meaning to the question, with a
        margin over the best section of another article; or when the question's words point
        to the same article (the old rule, is_good_match) and the meaning is not far off.
        Words alone when there is no model."""
        best = found[0]
        by_words = max(found, key=lambda p: p.lexical)
        words_agree = (
            by_words.lexical > 0
            and by_words.slug == best.slug
            and self.is_good_match(question, by_words)
        )
        if self.kb.encoder is None:
            return words_agree
        runner_up = next((p.score for p in found[1:] if p.slug != best.slug), 0.0)
        if best.score >= self.MIN_SCORE and best.score - runner_up >= self.MIN_MARGIN:
            return True
        return words_agree and best.similarity >= self.MIN_SIMILARITY_WITH_WORDS

    def is_good_match(self, question: str, passage: Passage) -> bool:
        """bm25 only ranks: a lone common word ("sell" in "do you sell loose leaf tea?") ranks
        some passage first too. An answer needs the article to hold at least two of the
        question's words (or its only one) and a fair share of their weight."""
        needed = min(self.MIN_MATCHED, len(terms(question)))
        return len(passage.matched) >= needed and passage.coverage >= self.MIN_COVERAGE


def answer_text(passage: Passage) -> str:
    """The part of the section that answers, then where it comes from, as a person would."""
    part = excerpt(passage.best_part or passage.text)
    return f"{part}\n\nFrom our help centre: {passage.title} › {passage.heading}"
