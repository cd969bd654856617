"""The knowledge-base responder: the right article, honest don't-knows, handoff requests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chat.ai.knowledge import KnowledgeBase, KnowledgeResponder, excerpt
from chat.ai.responder import Turn, wants_person
from tests.ai_questions import HANDOFF_PHRASES, KB_QUESTIONS, NOT_HANDOFF, UNKNOWN_QUESTIONS

pytestmark = pytest.mark.anyio

KNOWLEDGE = Path(__file__).resolve().parent.parent / "data" / "knowledge"
ANSWER_MAX = 600 + 200  # the excerpt plus the line that introduces it
# The responder answers only when meaning and words are confident (bench/ai_eval.py). These
# old questions, written close to the articles' words, now get "not sure" instead: the closest
# section in meaning is in another article, so it hands over rather than guess. Never wrong.
NOT_SURE_NOW = {
    "do you price match? saw the same beans cheaper elsewhere",
    "whats the difference between starter and regular",
    "should i keep my beans in the fridge?",
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(KNOWLEDGE)


@pytest.fixture
def responder(kb: KnowledgeBase) -> KnowledgeResponder:
    return KnowledgeResponder(kb)


def customer(*messages: str) -> list[Turn]:
    return [Turn("customer", message) for message in messages]


def test_every_article_is_indexed(kb: KnowledgeBase) -> None:
    articles = {path.stem for path in KNOWLEDGE.glob("*.md")}
    assert len(articles) == 16
    found = {p.slug for p in kb.search("what how when where price order coffee", limit=200)}
    assert found <= articles
    assert len(kb) >= 6 * len(articles)  # one passage per `##` section


@pytest.mark.parametrize(("question", "slug"), KB_QUESTIONS, ids=[q for q, _ in KB_QUESTIONS])
async def test_answers_from_the_expected_article(
    responder: KnowledgeResponder, kb: KnowledgeBase, question: str, slug: str
) -> None:
    reply = await responder.reply(customer(question))
    if question in NOT_SURE_NOW:
        assert not reply.answered and reply.source is None, reply.text
        return
    assert reply.source == slug, reply.text
    assert reply.answered
    best = kb.search(question, limit=1)[0]
    assert best.heading in reply.text
    assert (
        excerpt(best.best_part)[:80] in reply.text
    )  # the part that answers, not the whole section
    assert len(reply.text) <= ANSWER_MAX


@pytest.mark.parametrize("question", UNKNOWN_QUESTIONS)
async def test_says_it_does_not_know_and_offers_a_person(
    responder: KnowledgeResponder, question: str
) -> None:
    reply = await responder.reply(customer(question))
    assert not reply.answered
    assert reply.source is None
    assert "not sure" in reply.text
    assert "talk to a person" in reply.text


@pytest.mark.parametrize("greeting", ["hi", "hello", "hey there", "Hello! Can you help me?"])
async def test_a_greeting_gets_a_greeting(responder: KnowledgeResponder, greeting: str) -> None:
    reply = await responder.reply(customer(greeting))
    assert reply.answered and reply.source is None
    assert reply.text.startswith("Hi!")
    assert "help you" in reply.text


async def test_thanks_is_not_counted_as_a_failure(responder: KnowledgeResponder) -> None:
    reply = await responder.reply(customer("ok great, thanks so much!"))
    assert reply.answered and "welcome" in reply.text


async def test_a_burst_of_messages_is_answered_as_one_question(
    responder: KnowledgeResponder,
) -> None:
    opened = "I opened a bag and honestly I don't like the taste at all"
    money_back = "can I get my money back?"
    alone = await responder.reply(customer(money_back))
    assert alone.source == "manage-subscription"  # "charged after I cancelled", on its own

    burst = await responder.reply(
        [Turn("ai", "Hi! How can I help?"), *customer(opened, money_back)]
    )
    assert burst.source == "returns-and-refunds"
    assert "Taste Guarantee" in burst.text

    # A reply in between ends the burst: only what came after it is the question.
    split = customer(opened) + [Turn("ai", "Sorry to hear that.")] + customer(money_back)
    assert (await responder.reply(split)).source == "manage-subscription"


async def test_a_greeting_in_a_burst_does_not_hide_the_question(
    responder: KnowledgeResponder,
) -> None:
    reply = await responder.reply(customer("hi", "do gift cards expire?"))
    assert reply.source == "gift-cards"
    assert "never expire" in reply.text


MORE_HANDOFF = [
    "I want to speak to your manager",
    "can I get a human?",
    "Agent!",
    "talk to support",
]
MORE_NOT_HANDOFF = ["talk to you later", "is the agent discount real?", "a person at the cafe"]


@pytest.mark.parametrize("phrase", HANDOFF_PHRASES + MORE_HANDOFF)
def test_asking_for_a_person_is_recognised(phrase: str) -> None:
    assert wants_person(phrase)


@pytest.mark.parametrize(
    "text", NOT_HANDOFF + MORE_NOT_HANDOFF + [q for q, _ in KB_QUESTIONS] + UNKNOWN_QUESTIONS
)
def test_other_messages_are_not_a_request_for_a_person(text: str) -> None:
    assert not wants_person(text)


FTS_SYNTAX = [
    '"',
    '"""',
    "NEAR(",
    "NEAR(shipping canada, 2)",
    "*",
    "ship*",
    "-",
    "- canada",
    ":",
    "title: shipping",
    "{heading body}: free",
    "AND",
    "shipping AND NOT canada OR",
    "()",
    "((shipping)",
    "^free",
    "'; DROP TABLE passages; --",
    "\x00",
    "🙂☕",
    "",
    "   ",
]


@pytest.mark.parametrize("question", FTS_SYNTAX)
async def test_fts5_syntax_in_a_question_never_raises(
    responder: KnowledgeResponder, kb: KnowledgeBase, question: str
) -> None:
    assert isinstance(kb.search(question), list)
    reply = await responder.reply(customer(question))
    assert reply.text


async def test_a_question_wrapped_in_syntax_is_still_answered(
    responder: KnowledgeResponder,
) -> None:
    reply = await responder.reply(customer('NEAR("free" shipping*, -2): AND (over $50?) OR "'))
    assert reply.source == "shipping"
    assert "free" in reply.text


def test_reindexes_when_a_file_changes(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    kb = KnowledgeBase(folder, recheck_interval=0)
    assert all("loyalty" not in p.text for p in kb.search("loyalty points scheme"))

    with (folder / "pricing.md").open("a", encoding="utf-8") as article:
        article.write("\n## Is there a loyalty points scheme?\n\nYes: Bean Points, one a dollar.\n")
    found = kb.search("loyalty points scheme")
    assert [(p.slug, p.heading) for p in found[:1]] == [
        ("pricing", "Is there a loyalty points scheme?")
    ]
    assert "Bean Points" in found[0].text

    (folder / "tea.md").write_text("# Tea\n\n## Do you sell tea?\n\nYes, loose leaf tea.\n")
    assert kb.search("loose leaf tea")[0].slug == "tea"
    (folder / "tea.md").unlink()
    assert all(p.slug != "tea" for p in kb.search("loose leaf tea"))


def test_rechecks_the_folder_at_most_once_per_interval(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    kb = KnowledgeBase(folder, recheck_interval=3600)
    (folder / "tea.md").write_text("# Tea\n\n## Do you sell tea?\n\nYes, loose leaf tea.\n")
    assert all(p.slug != "tea" for p in kb.search("loose leaf tea"))


def test_long_passages_are_cut_at_a_sentence() -> None:
    text = " ".join(f"Sentence number {n} says something useful." for n in range(60))
    cut = excerpt(text, limit=600)
    assert len(cut) <= 600
    assert cut.endswith("useful.")
    assert excerpt("**Bold** words stay readable.") == "Bold words stay readable."
