"""benchmarks/gpu.py in its smoke mode (tiny sizes, on whatever device runs the tests), so a
GPU session is never spent finding out that the script breaks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "gpu.py"


def test_the_gpu_benchmark_runs_end_to_end_in_smoke_mode(tmp_path):
    out = tmp_path / "gpu.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["smoke"] and result["matmul_tflops"]["bf16"] > 0
    (row,) = result["simclr"]
    assert row["ours_model_step"] > 0 and row["ours_with_augmentation"] > 0
    assert row["forward_gflops_per_image"] > 0.01 and row["mfu"] > 0
    assert all(e["ours_ms"] > 0 for e in result["nt_xent"])
    assert "| resnet18 32×32 |" in done.stdout  # the table a GPU run appends to RESULTS.md
