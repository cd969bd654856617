"""`python -m bench ai-eval [--json PATH]`: how often the built-in AI responder is right, wrong or
honestly unsure on customer questions it was not written against (bench/ai_questions.py).

Each question is asked alone, as a customer's first message. Right: answered from one of the
expected articles. Wrong: answered from another article. Not sure: the responder said it is not
sure (and offers a person). For an off-topic question every answer from an article is wrong.
The tuning part is what thresholds may be chosen on; the held-out part is only measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.ai_questions import HELD_OUT, OFF_TOPIC, TUNING
from chat.ai.knowledge import VECTORS, KnowledgeBase, KnowledgeResponder
from chat.ai.responder import Turn

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "data" / "knowledge"


@dataclass
class Score:
    asked: int = 0
    right: int = 0
    wrong: int = 0
    not_sure: int = 0
    off_topic: int = 0
    off_topic_answered: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # question, expected, got

    def as_dict(self) -> dict[str, Any]:
        on_topic = max(self.asked, 1)
        return {
            "questions": self.asked,
            "right": self.right,
            "wrong": self.wrong,
            "not_sure": self.not_sure,
            "right_rate": self.right / on_topic,
            "wrong_rate": self.wrong / on_topic,
            "not_sure_rate": self.not_sure / on_topic,
            "off_topic": self.off_topic,
            "off_topic_answered": self.off_topic_answered,
            "misses": self.misses,
        }


def build_responder() -> KnowledgeResponder:
    """The responder as the app builds it, over the shipped articles."""
    kb = KnowledgeBase(None)
    kb.load(KnowledgeBase(KNOWLEDGE).read_folder())
    return KnowledgeResponder(kb)


async def score(responder: KnowledgeResponder, questions: list[tuple[str, str]]) -> Score:
    result = Score()
    for question, label in questions:
        reply = await responder.reply([Turn("customer", question)])
        got = reply.source if reply.answered and reply.source else "not sure"
        if label == OFF_TOPIC:
            result.off_topic += 1
            if reply.source is not None and reply.answered:
                result.off_topic_answered += 1
                result.misses.append((question, label, got))
            continue
        result.asked += 1
        if not reply.answered:
            result.not_sure += 1
            result.misses.append((question, label, got))
        elif reply.source in label.split("|"):
            result.right += 1
        else:
            result.wrong += 1
            result.misses.append((question, label, got))
    return result


def line(name: str, s: Score) -> str:
    d = s.as_dict()
    return (
        f"{name:9} {d['questions']:4} questions: right {d['right_rate']:6.1%}  wrong "
        f"{d['wrong_rate']:6.1%}  not sure {d['not_sure_rate']:6.1%}  off-topic answered "
        f"{s.off_topic_answered}/{s.off_topic}"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ai-eval", description=__doc__)
    parser.add_argument("--json", type=Path, help="write the scores and every miss here")
    parser.add_argument(
        "--write-vectors",
        action="store_true",
        help=f"write data/knowledge/{VECTORS} for the shipped articles and stop",
    )
    parser.add_argument("--misses", action="store_true", help="list the tuning part's misses")
    args = parser.parse_args(argv)
    if args.write_vectors:
        kb = KnowledgeBase(KNOWLEDGE)
        if kb.encoder is None:
            raise SystemExit("the embedding model is not installed (requirements/model.txt)")
        kb.encoder.save(KNOWLEDGE / VECTORS, kb.texts_to_embed())
        print(f"wrote {KNOWLEDGE / VECTORS}")
        return
    began = time.perf_counter()
    responder = build_responder()
    loaded = time.perf_counter() - began
    tuning = asyncio.run(score(responder, TUNING))
    held_out = asyncio.run(score(responder, HELD_OUT))
    print(f"responder ready in {loaded * 1000:.0f} ms")
    print(line("tuning", tuning))
    print(line("held-out", held_out))
    if args.misses:  # never the held-out part's: it is not tuned on
        for question, expected, got in tuning.misses:
            print(f"  {question!r}: expected {expected}, got {got}")
    if args.json:
        args.json.write_text(
            json.dumps({"tuning": tuning.as_dict(), "held_out": held_out.as_dict()}, indent=2)
        )
