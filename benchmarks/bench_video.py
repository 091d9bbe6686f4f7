"""Video frames with and without the temporal exclusion window (issue #17), on the two real
videos (vtest.avi: 795 frames of pedestrians, fixed camera, 10 fps; Megamind.avi: 270
frames, 24 fps), 64×64 frames, every 5th frame held out of training.

For each seed and each window w ∈ {0, `--window`}: `frame_contrast` (small CNN, batch 64 =
16 clips × 4 anchors 2 frames apart, the last 4×4 map kept, partners within ±2 frames, τ 0.1, AdamW 1e-3) trained
for `--steps` steps, then scored:

* near-duplicate negatives — over 50 batches of the training stream, the share of in-batch
  anchor pairs treated as negatives whose raw frames are near-duplicates: cosine above 0.8
  after subtracting each video's mean frame (the fixed camera's background makes every raw
  pair of vtest ≈ 0.99; centred, adjacent vtest frames read 0.88, frames 5 apart 0.34);
* temporal retrieval — the share of held-out frames whose nearest training frame (cosine of
  the encoder's features) lies in their video within 5 frames, for clean queries and for
  queries seen through a camera change (a crop keeping 70–100% of the frame and colour
  jitter of strength 0.4, fixed seed); raw pixels give the floor;
* frames/s of training and the share of step time spent waiting on the stream (decoding is
  done once up front; the stream crops, jitters and normalises on the fly).

    .venv/bin/python benchmarks/bench_video.py [--steps 300] [--seeds 0 1 2] [--window 6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

from _common import REPO, append_results, load_average
from contrastkit.api import open_run, train
from contrastkit.data.video import load_video
from contrastkit.negatives import near_duplicate_share
from contrastkit.tasks.video.config import VideoConfig
from contrastkit.tasks.video.evaluate import raw_pixel_scores, retrieval_scores
from contrastkit.tasks.video.task import stream_of

SOURCE = "video:vtest.avi,Megamind.avi"
THRESHOLD = 0.8
BATCHES = 50


def settings(seed: int, window: float, steps: int) -> dict:
    return {
        "task": "video",
        "steps": steps,
        "seed": seed,
        "log_every": 25,
        "data": {"source": SOURCE},
        "negatives": {"exclusion_window": window},
    }


def near_duplicates(cfg: VideoConfig, data, input) -> float:
    """Share of the stream's in-batch negatives that are near-duplicate frames."""
    pixels = data.frames.flatten(1).float()
    for v in range(len(data.names)):
        mine = data.video == v
        pixels[mine] -= pixels[mine].mean(dim=0)
    stream = stream_of(cfg, data, input, torch.device("cpu"))
    duplicates = negatives = 0
    torch.manual_seed(cfg.seed)
    for i, views in enumerate(stream.epoch(0)):
        if i == BATCHES:
            break
        d, n = near_duplicate_share(pixels[views.rows], THRESHOLD, views.exclude)
        duplicates, negatives = duplicates + d, negatives + n
    return 100 * duplicates / negatives


def one_run(work: Path, data, seed: int, window: float, steps: int) -> dict[str, float]:
    out = work / f"run-{seed}-{window}"
    started = time.perf_counter()
    train(settings(seed, window, steps), out=out, progress=False)
    seconds = time.perf_counter() - started
    run = open_run(out)
    cfg: VideoConfig = run.config  # type: ignore[assignment]
    input = run.record["input"]
    scores = retrieval_scores(cfg, data, run.encoder())
    rows = [json.loads(r) for r in (out / "metrics.jsonl").read_text().splitlines()]
    return {
        "retrieval": 100 * scores["retrieval"],
        "augmented": 100 * scores["retrieval_augmented"],
        "duplicates": near_duplicates(cfg, data, input),
        "frames_per_s": statistics.median(r["samples_per_second"] for r in rows[1:]),
        "data_share": 100 * statistics.median(r["data_share"] for r in rows[1:]),
        "seconds": seconds,
    }


def _ms(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.1f} ± {statistics.stdev(xs) if len(xs) > 1 else 0:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--window", type=float, default=6.0)
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    started, loads = time.perf_counter(), [load_average()]
    data = load_video(SOURCE, size=64)
    cfg = VideoConfig.model_validate(settings(0, 0.0, args.steps))
    raw = raw_pixel_scores(cfg, data)
    runs: dict[float, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for window in (0.0, args.window):
            runs[window] = []
            for seed in args.seeds:
                result = one_run(Path(tmp), data, seed, window, args.steps)
                print(json.dumps({"window": window, "seed": seed, **result}), flush=True)
                runs[window].append(result)
                loads.append(load_average())
    lines = [
        "| negatives | near-duplicate negatives % | retrieval within 5 frames % | through a camera change % | frames/s | waiting on data % |",
        "|---|---:|---:|---:|---:|---:|",
        f"| raw pixels (no training) | | {100 * raw['retrieval']:.1f} | {100 * raw['retrieval_augmented']:.1f} | | |",
    ]
    for window, rs in runs.items():
        name = "w = 0 (plain NT-Xent)" if window == 0 else f"w = {window:g} frames"
        lines.append(
            f"| {name} | {_ms([r['duplicates'] for r in rs])} | {_ms([r['retrieval'] for r in rs])} "
            f"| {_ms([r['augmented'] for r in rs])} | {statistics.median(r['frames_per_s'] for r in rs):.0f} "
            f"| {statistics.median(r['data_share'] for r in rs):.0f} |"
        )
    body = "\n".join(lines) + (
        f"\n\n{args.steps} steps a run, seeds {', '.join(map(str, args.seeds))}; mean ± std over "
        f"seeds (throughput: median). Whole run {(time.perf_counter() - started) / 60:.1f} min; "
        f"1-minute load average {min(loads):.2f}–{max(loads):.2f}.\n"
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_video.py", body)


if __name__ == "__main__":
    main()
