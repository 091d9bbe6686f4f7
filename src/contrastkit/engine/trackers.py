"""Where training metrics go besides ``metrics.jsonl``: one small protocol, three trackers.

``RunConfig.trackers`` picks any of ``TRACKERS``; only the main rank opens them. Each writes
inside the run directory and needs no service:

* ``tensorboard`` — event files in ``tb/`` (``tensorboard --logdir RUN/tb``);
* ``mlflow`` — a local file store in ``mlruns/`` (``MLFLOW_ALLOW_FILE_STORE=true mlflow ui
  --backend-store-uri RUN/mlruns``), the ``[mlflow]`` extra (mlflow-skinny). MLflow 3 keeps
  the file store in maintenance mode behind that variable; the database stores need the full
  ``mlflow`` package and a server-side schema, which a run directory should not;
* ``wandb`` — Weights & Biases in offline mode in ``wandb/`` (``wandb sync RUN/wandb/offline-run-*``
  uploads it later), the ``[wandb]`` extra.

A resumed run continues the same MLflow / W&B run (its id is kept in the run directory) from
the checkpoint's step; TensorBoard purges the events written after it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from contrastkit.engine.config import ConfigError


class Tracker(Protocol):
    def log(self, step: int, values: Mapping[str, float]) -> None: ...

    def close(self) -> None: ...


class TensorBoardTracker:
    def __init__(self, run_dir: Path, *, resume_step: int, config: dict[str, Any]) -> None:
        from torch.utils.tensorboard import SummaryWriter  # imported lazily: slow import

        self._writer = SummaryWriter(str(run_dir / "tb"), purge_step=resume_step or None)

    def log(self, step: int, values: Mapping[str, float]) -> None:
        for name, value in values.items():
            self._writer.add_scalar(name, value, step)

    def close(self) -> None:
        self._writer.close()


class MLflowTracker:
    """MLflow's fluent API on a file store in ``RUN/mlruns``, experiment ``contrastkit``."""

    def __init__(self, run_dir: Path, *, resume_step: int, config: dict[str, Any]) -> None:
        mlflow = _optional("mlflow", "mlflow")
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # see the module docstring
        self._client = mlflow.MlflowClient(tracking_uri=(run_dir / "mlruns").resolve().as_uri())
        run_id = _kept_id(run_dir / "mlflow_run_id") if resume_step else None
        if run_id is None:
            experiment = self._client.get_experiment_by_name("contrastkit")
            experiment_id = (
                experiment.experiment_id
                if experiment is not None
                else self._client.create_experiment("contrastkit")
            )
            run = self._client.create_run(experiment_id, run_name=run_dir.resolve().name)
            run_id = run.info.run_id
            (run_dir / "mlflow_run_id").write_text(run_id + "\n")
            for key, value in _flat(config).items():
                self._client.log_param(run_id, key, value)
        self._run_id = run_id

    def log(self, step: int, values: Mapping[str, float]) -> None:
        from mlflow.entities import Metric

        stamp = _now_ms()
        metrics = [Metric(_mlflow_key(k), float(v), stamp, step) for k, v in values.items()]
        self._client.log_batch(self._run_id, metrics=metrics)

    def close(self) -> None:
        self._client.set_terminated(self._run_id)


class WandbTracker:
    """A Weights & Biases run in offline mode under ``RUN/wandb`` (nothing leaves the machine)."""

    def __init__(self, run_dir: Path, *, resume_step: int, config: dict[str, Any]) -> None:
        wandb = _optional("wandb", "wandb")
        kept = run_dir / "wandb_run_id"
        run_id = (_kept_id(kept) if resume_step else None) or secrets.token_hex(4)
        kept.write_text(run_id + "\n")
        self._run = wandb.init(
            project="contrastkit",
            name=run_dir.resolve().name,
            id=run_id,
            dir=str(run_dir),
            mode="offline",
            resume="allow",
            config=config,
            settings=wandb.Settings(silent=True, console="off"),
        )

    def log(self, step: int, values: Mapping[str, float]) -> None:
        self._run.log({**values, "step": step})

    def close(self) -> None:
        self._run.finish()


TRACKERS: dict[str, Callable[..., Tracker]] = {
    "tensorboard": TensorBoardTracker,
    "mlflow": MLflowTracker,
    "wandb": WandbTracker,
}


def open_trackers(
    run_dir: Path, names: tuple[str, ...] | list[str], *, resume_step: int, config_json: str
) -> list[Tracker]:
    config = json.loads(config_json)
    return [TRACKERS[name](run_dir, resume_step=resume_step, config=config) for name in names]


def _optional(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"trackers includes {extra} but {module} is not installed; "
            f"pip install 'contrastkit[{extra}]' or drop it from trackers"
        ) from None


def _kept_id(path: Path) -> str | None:
    return (path.read_text().strip() or None) if path.is_file() else None


def _flat(config: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as MLflow parameters: dotted keys, values as text."""
    flat: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flat(value, name + "."))
        else:
            flat[name] = json.dumps(value)[:500]  # MLflow caps a parameter value's length
    return flat


def _mlflow_key(name: str) -> str:
    # MLflow metric names allow letters, digits, _ - . / and spaces; ours are plain already,
    # but a method's extra metric could carry anything
    return "".join(c if c.isalnum() or c in "_-./ " else "_" for c in name)


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
