"""Contrastive pre-training, then fine-tuning with 1% and 10% of the labels, vs supervised only.

Issue #4's SupCon recipe on Fashion-MNIST. A SimCLR run (self-supervised, all 60k training
images, no labels — the `contrastkit demo` recipe) gives the pre-trained backbone; then, on
the first 600 (1%) or 6,000 (10%) labelled training images, `contrastkit train --method supcon`
with a linear classifier on the backbone (`method_options.num_classes=10`) trains:

- supervised only: random initial weights, cross-entropy alone (`contrastive_weight=0`);
- pre-trained + cross-entropy: the SimCLR backbone (`model.init_from`), cross-entropy alone;
- pre-trained + SupCon + cross-entropy: the recipe, both terms.

Same augmentation, batch, steps and optimiser for all three; test accuracy of the classifier
on the 10k test images. Appends to RESULTS.md.

    .venv/bin/python benchmarks/bench_supcon_fewlabels.py [--pretrained runs/demo]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import torch

from _common import REPO, append_results, load_average
from contrastkit.api import open_run, train
from contrastkit.augment import EvalTransform
from contrastkit.engine.build import resolve_device
from contrastkit.engine.precision import native_bf16
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import load_eval_data, load_image_data

FRACTIONS = {"1%": (600, 300), "10%": (6000, 600)}  # labelled images, fine-tuning steps
VARIANTS = {
    "supervised only (random init)": (False, 0.0),
    "SimCLR pre-trained + cross-entropy": (True, 0.0),
    "SimCLR pre-trained + SupCon + cross-entropy": (True, 1.0),
}
PRETRAIN = ["temperature=0.1", "data.crop_scale=[0.5, 1.0]", "steps=2400"]


@torch.no_grad()
def test_accuracy(run: Path, device: torch.device) -> float:
    trained = open_run(run, device=device)
    cfg = trained.config
    data, test = load_image_data(cfg), load_eval_data(cfg)
    prepare = EvalTransform(data.recipe, data.channels).to(device)
    correct = 0
    for start in range(0, len(test.labels), 1000):
        x = prepare(test.images[start : start + 1000].to(device))
        predicted = trained.method.predict(x).cpu()  # type: ignore[operator]
        correct += int((predicted == test.labels[start : start + 1000]).sum())
    return correct / len(test.labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrained", type=Path, default=None, help="a SimCLR run to reuse")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    device = resolve_device("auto")
    amp = "bf16" if native_bf16(device) else "none"
    loads, started = [load_average()], time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pretrained = args.pretrained
        if pretrained is None:
            pretrained = Path(tmp) / "simclr"
            train(load_config(overrides=[*PRETRAIN, f"amp={amp}"]), out=pretrained)
        results: dict[tuple[str, str], float] = {}
        for fraction, (labelled, steps) in FRACTIONS.items():
            for variant, (init, contrastive) in VARIANTS.items():
                settings = [
                    "method=supcon",
                    "data.crop_scale=[0.5, 1.0]",
                    f"data.max_samples={labelled}",
                    f"steps={steps}",
                    f"optim.batch_size={args.batch}",
                    f"amp={amp}",
                    "method_options.num_classes=10",
                    f"method_options.contrastive_weight={contrastive}",
                    "monitor.every=0",
                ]
                if init:
                    settings.append(f"model.init_from={pretrained}")
                run = Path(tmp) / f"{fraction}-{len(results)}"
                train(load_config(overrides=settings), out=run, progress=False)
                results[fraction, variant] = test_accuracy(run, device)
                loads.append(load_average())
                print(f"{fraction} {variant}: {results[fraction, variant]:.2%}", flush=True)
    if not args.no_record:
        record(args, results, amp, time.perf_counter() - started, loads)


def record(args, results, amp, seconds, loads) -> None:  # type: ignore[no-untyped-def]
    lines = ["| labels | " + " | ".join(VARIANTS) + " |", "|---|" + "---:|" * len(VARIANTS)]
    for fraction, (labelled, _) in FRACTIONS.items():
        cells = " | ".join(f"{results[fraction, v]:.2%}" for v in VARIANTS)
        lines.append(f"| {fraction} ({labelled:,} images) | {cells} |")
    se = 100 * math.sqrt(0.85 * 0.15 / 10_000)
    source = args.pretrained or "trained here (2,400 steps, the demo recipe)"
    body = (
        "\n".join(lines)
        + f"""

Test accuracy of the fine-tuned classifier (linear layer on the backbone's 256-d features) on
the 10k Fashion-MNIST test images; binomial standard error ≈ {se:.2f} points near 85%. One
seed. Pre-trained backbone: SimCLR on all 60k unlabelled training images, {source}. Fine-tuning
on the first N labelled training images: `--method supcon`, `method_options.num_classes=10`,
the SupCon term weighted 0 or 1 and cross-entropy 1 on both views, small CNN, crops (0.5, 1),
batch {args.batch}, AdamW lr 2e-3, 5% warm-up then cosine, {FRACTIONS["1%"][1]} steps at 1% and
{FRACTIONS["10%"][1]} at 10%, precision {amp}. Whole run {seconds / 60:.1f} min; 1-minute load
average {min(loads):.2f}–{max(loads):.2f}.
"""
    )
    append_results(REPO / "benchmarks" / "RESULTS.md", "bench_supcon_fewlabels.py", body)


if __name__ == "__main__":
    main()
