"""`python -m bench --quick` runs here and loses and doubles nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    assert results["saturation"]["FULL"]["best"]["messages_per_s"] > 0
    assert all(s["server_cpu_ms_per_message"] > 0 for s in results["saturation"]["FULL"]["steps"])
    assert all(row["median_us"] > 0 for row in results["wire"].values())
    assert results["idle"]["steps"][-1]["sockets"] == 500
    assert "design load" in done.stdout and "AI first reply" in done.stdout
    assert "of bare; server CPU" in done.stdout
    assert "decode socket chat.message.send" in done.stdout
