"""Build an index from a corpus: embed it in shards that survive a crash, then add and save.

``OUT.partial/`` beside the index holds ``plan.json`` (which encoder, which ids, the shard
size) and one ``shard-NNNNN.npy`` per finished shard, each written atomically. Run the same
build again after an interruption and the finished shards are kept; with another encoder or
corpus the plan differs and the build starts over. The index is written (atomically) only
when every shard is there, and ``OUT.partial/`` is then removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from contrastkit.encoders import Encoder
from contrastkit.search.base import VectorIndex


def build_index(
    index: VectorIndex,
    encoder: Encoder,
    ids: list[str],
    part: Any,  # (start, stop) -> the items to encode
    out_dir: Path,
    *,
    card: Mapping[str, Any],
    shard_size: int = 4096,
    batch_size: int = 256,
    progress: bool = True,
) -> VectorIndex:
    """Embed ``len(ids)`` items (``part(start, stop)`` gives a shard's items) into ``index``
    and save it to ``out_dir`` with ``card`` (the encoder's identity) in its ``index.json``."""
    if shard_size < 1:
        raise ValueError(f"shard_size must be positive, got {shard_size}")
    work = out_dir.with_name(out_dir.name + ".partial")
    plan = {
        "encoder": card.get("encoder", {}).get("fingerprint"),
        "ids": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
        "count": len(ids),
        "shard_size": shard_size,
    }
    _start_or_resume(work, plan)
    starts = range(0, len(ids), shard_size)
    bar = tqdm(total=len(ids), desc=f"index {out_dir.name}", unit="item", disable=not progress)
    for n, start in enumerate(starts):
        stop = min(start + shard_size, len(ids))
        path = work / f"shard-{n:05d}.npy"
        if not path.exists():
            vectors = encoder.encode(part(start, stop), batch_size=batch_size)
            _save_atomic(path, vectors.float().numpy())
        bar.update(stop - start)
    bar.close()
    for n, start in enumerate(starts):
        vectors = np.load(work / f"shard-{n:05d}.npy", allow_pickle=False)
        index.add(ids[start : start + len(vectors)], torch.from_numpy(vectors))
    index.save(out_dir, card=card)
    shutil.rmtree(work)
    return index


def _start_or_resume(work: Path, plan: dict[str, Any]) -> None:
    path = work / "plan.json"
    if path.is_file() and json.loads(path.read_text()) == plan:
        return  # the same build: keep its finished shards
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path.write_text(json.dumps(plan) + "\n")


def _save_atomic(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
