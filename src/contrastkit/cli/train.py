"""``contrastkit train``: train a method on a data source into a run directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from contrastkit.engine.settings import RunConfig
    from contrastkit.tasks.base import Task


def build_config(
    config: Path | None,
    overrides: list[str],
    flags: dict[str, Any],
) -> tuple[Task, RunConfig]:
    """YAML file, then explicit flags, then ``--set`` pairs (the most specific wins); the
    task is the one the settings name (``task``, else the method's)."""
    from contrastkit.tasks.config import load_task_config

    pairs = [f"{k}={v}" for k, v in flags.items() if v is not None]
    if flags.get("steps") is not None:
        pairs.insert(0, "epochs=null")
    if flags.get("epochs") is not None:
        pairs.insert(0, "steps=null")
    return load_task_config(config, [*pairs, *overrides])


def train(
    method: str = typer.Option(
        None,
        "--method",
        "-m",
        help="images: simclr (default) | moco_v2 | moco_v3 | byol | simsiam | nnclr | swav | "
        "supcon | barlow_twins | vicreg | dino; text: simcse | pairs; series: series_contrast; "
        "video: frame_contrast; words: word2vec; interactions: two_tower; or a plug-in task's",
    ),
    data: str = typer.Option(
        None,
        "--data",
        "-d",
        help="images: fashion-mnist | folder:PATH | npz:PATH; "
        "text: stsb | news | jsonl:PATH | csv:PATH | tsv:PATH; series: ucr:NAME | series:PATH; "
        "video: video:PATH; words: brown | corpus:PATH; interactions: movielens | "
        "interactions:PATH",
    ),
    config: Path = typer.Option(None, "--config", "-c", help="YAML file of settings."),
    set_: list[str] = typer.Option(
        [], "--set", help="Override a setting: key=value (dotted keys, repeatable)."
    ),
    out: Path = typer.Option(Path("runs/train"), "--out", "-o", help="Run directory."),
    resume: str = typer.Option("never", "--resume", help="never | auto | PATH to a checkpoint."),
    device: str = typer.Option(None, "--device", help="auto | cpu | cuda | cuda:N"),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Training epochs."),
    steps: int = typer.Option(None, "--steps", min=1, help="Training steps (instead of epochs)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train an encoder contrastively; checkpoints, metrics and TensorBoard events go to --out."""
    from contrastkit import distributed
    from contrastkit.engine.run import train_run

    flags = {
        "method": method,
        "data.source": data,
        "device": device,
        "epochs": epochs,
        "steps": steps,
    }
    task, cfg = build_config(config, set_, flags)
    result = train_run(task, cfg, out, resume=resume, progress=not quiet)
    if not distributed.is_main():
        return  # under torchrun, rank 0 speaks for the run
    typer.echo(
        f"trained {cfg.method} for {result.steps} steps in {result.seconds:.0f} s "
        f"({result.samples_per_second:.0f} {task.unit}/s); "
        f"final loss {result.final_loss:.4f}; run in {out}"
    )
