"""``contrastkit sweep``: short trainings over the values of one setting, measured and plotted."""

from __future__ import annotations

from pathlib import Path

import typer


def sweep(
    param: str = typer.Option(
        ..., "--param", "-p", help="Setting to vary: any config key, dotted (e.g. optim.lr)."
    ),
    values: str = typer.Option(
        ..., "--values", help="Comma-separated values, e.g. 0.05,0.1,0.2,0.5."
    ),
    method: str = typer.Option(None, "--method", "-m", help="Method (default simclr)."),
    data: str = typer.Option(None, "--data", "-d", help="fashion-mnist | folder:PATH | npz:PATH"),
    config: Path = typer.Option(None, "--config", "-c", help="YAML file of shared settings."),
    set_: list[str] = typer.Option(
        [], "--set", help="Shared setting: key=value (dotted keys, repeatable)."
    ),
    steps: int = typer.Option(200, "--steps", min=1, help="Training steps per value."),
    epochs: int = typer.Option(
        None, "--epochs", min=1, help="Epochs per value (instead of steps)."
    ),
    out: Path = typer.Option(Path("runs/sweep"), "--out", "-o", help="Sweep folder."),
    device: str = typer.Option(None, "--device", help="auto | cpu | cuda | cuda:N"),
    max_test: int = typer.Option(
        10_000, "--max-test", min=2, help="Test images for kNN accuracy (drawn at random)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Train once per value into OUT/PARAM=VALUE, measure kNN accuracy, alignment and
    uniformity, and write sweep.json, sweep.png and sweep.html. Finished values are skipped."""
    from contrastkit.cli.train import build_config
    from contrastkit.report.sweep import run_sweep

    given = [v.strip() for v in values.split(",")]
    if not given or any(not v for v in given):
        raise typer.BadParameter(
            f"expected comma-separated values like 0.1,0.2, got {values!r}", param_hint="--values"
        )
    flags = {
        "method": method,
        "data.source": data,
        "device": device,
        "epochs": epochs,
        "steps": None if epochs is not None else steps,
    }
    # every value's settings are checked before the first training starts
    built = [(v, build_config(config, [*set_, f"{param}={v}"], flags)) for v in given]
    tasks = {task.name for _, (task, _) in built}
    if len(tasks) > 1:
        raise typer.BadParameter(f"the values of {param} train different tasks: {sorted(tasks)}")
    task = built[0][1][0]
    configs = [(v, cfg) for v, (_, cfg) in built]
    points = run_sweep(
        param, task, configs, out, max_test=max_test, progress=not quiet, echo=typer.echo
    )
    best = max(points, key=lambda p: p.knn_accuracy)
    typer.echo(
        f"best kNN accuracy {best.knn_accuracy:.2%} at {param}={best.value}; "
        f"sweep in {out} (sweep.png, sweep.json, sweep.html)"
    )
