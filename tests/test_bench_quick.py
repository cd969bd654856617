"""`python -m bench --quick` runs here and loses and doubles nothing."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

from bench import fsync, post_path, search, search_index
from bench.routing import Watch
from tests.conftest import ROOT


def test_the_quick_benchmark_runs_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    design = results["design_load"]
    assert design["sent"] > 0 and design["acked"] == design["sent"]
    assert design["delivery_ms"]["count"] == design["sent"] * design["agents"]
    assert (design["lost"], design["duplicated"], design["out_of_order"]) == (0, 0, 0)
    assert design["seq_gaps"] == 0
    # Whether a step stays under the p99 bound ("best") is a measurement, not a test: on a
    # busy machine even one sender may not, and the run is still right.
    assert results["saturation"]["FULL"]["steps"][0]["messages_per_s"] > 0
    assert all(s["server_cpu_ms_per_message"] > 0 for s in results["saturation"]["FULL"]["steps"])
    assert all(row["median_us"] > 0 for row in results["wire"].values())
    assert results["idle"]["steps"][-1]["sockets"] == 500
    assert "design load" in done.stdout and "AI first reply" in done.stdout
    assert "of bare; server CPU" in done.stdout
    assert "decode socket chat.message.send" in done.stdout


def test_the_reduced_design_load_reports_the_server_and_the_generator_and_loses_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "fanout", "--customers", "20", "--agents", "3"]
        + ["--rate", "50", "--seconds", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    sent, acked = re.match(r"(\d+) sent, (\d+) acked", line).groups()  # type: ignore[union-attr]
    assert int(sent) > 0 and acked == sent
    assert "lost 0, duplicated 0, out of order 0" in line
    assert re.search(r"server CPU [1-9]\d* µs/message", line)
    assert re.search(r"generator CPU [1-9]\d* µs/message", line)


def test_the_quick_routing_benchmark_assigns_every_handoff_in_order_within_capacity(
    tmp_path: Path,
) -> None:
    out = tmp_path / "routing.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "routing", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    first, queue = results["handoff"], results["queue"]
    assert first["assigned"] + first["queued"] == first["count"] > 0
    assert first["assigned"] == first["count"]  # room for all: each is assigned at once
    assert first["heard_ms"]["count"] == first["assigned"]
    assert queue["queued"] == queue["count"] == queue["served"] == queue["closes"]
    assert queue["served_in_order"] and queue["close_to_assigned_ms"]["count"] == queue["served"]
    assert results["violations"] == []
    assert max(first["peak_load"].values()) <= first["capacity"]
    assert "first in, first out" in done.stdout and "violations: 0" in done.stdout


def assigned(session: int, agent: int) -> str:
    data = {"session": {"id": session}, "agent": {"id": agent}}
    return json.dumps({"type": "chat.session.assigned", "data": data})


def closed(session: int) -> str:
    return json.dumps({"type": "chat.session.closed", "data": {"session": {"id": session}}})


def test_the_routing_benchmark_counts_an_agent_over_capacity_as_a_violation() -> None:
    watch = Watch(capacity={7: 1})
    for frame in (assigned(1, 7), closed(1), assigned(2, 7)):  # a close frees the one slot
        watch.heard(frame, books=True)
    assert watch.violations == [] and watch.freed_by == {2: 1}
    watch.heard(assigned(3, 7), books=True)
    assert watch.violations == [
        "agent 7 holds 2 open conversations, capacity 1 (on assigning session 3)"
    ]
    watch.heard(assigned(3, 7), books=False)  # another socket's copy of the same frame
    assert len(watch.violations) == 1 and watch.load == {7: 2}


def test_the_quick_reports_benchmark_covers_every_seeded_conversation(tmp_path: Path) -> None:
    out = tmp_path / "reports.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "reports", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    timings = results["timings"]
    assert timings["summary, 365 days"]["conversations"] == results["conversations"] == 6000
    assert timings["CSV, 365 days"]["conversations"] == 6000
    assert 0 < timings["summary, 30 days"]["conversations"] < 6000
    assert "summary, 365 days" in done.stdout


def test_the_write_path_benchmark_stores_every_message_it_counts() -> None:
    found = asyncio.run(post_path.measure(20, 4, 80, "NORMAL", None))
    assert found["messages"] == 80 and found["stored"] == 80
    assert found["cpu_us_per_message"] > 0 and 0 < found["batches"] <= 80


def test_the_search_index_benchmark_indexes_every_message_either_way(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    asyncio.run(search.migrated(template))
    found = {}
    for per_trigger in (True, False):
        path = tmp_path / f"{per_trigger}.db"
        path.write_bytes(template.read_bytes())
        found[per_trigger] = search_index.run(path, per_trigger, 90, 9)
    assert found[True]["found"] == found[False]["found"] == 90
    # a segment per message against one per batch of nine
    assert found[False]["segment_writes"] < found[True]["segment_writes"] / 3


def test_the_fsync_benchmark_times_every_sync(tmp_path: Path) -> None:
    found = fsync.measure(tmp_path, 20)
    assert found["count"] == 20 and 0 < found["p50"] <= found["p99"] <= found["max"]
