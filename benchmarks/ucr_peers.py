"""The peers of bench_series.py, run in their own environment (aeon + numba, no torch):
1-NN Euclidean, 1-NN DTW (full window) and MiniRocket's features, on the arrays that
bench_series.py wrote (the same padded, z-normalised series every method sees).

    .venv-aeon/bin/python benchmarks/ucr_peers.py WORK_DIR NAME [NAME ...]

Reads WORK_DIR/NAME.npz (train_x, train_y, test_x, test_y), writes WORK_DIR/NAME.peers.json
(accuracies, seconds) and WORK_DIR/NAME.minirocket.npz (train and test features).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
from aeon.transformations.collection.convolution_based import MiniRocket


def one_nn(distance: str, data: dict[str, np.ndarray]) -> tuple[float, float]:
    started = time.perf_counter()
    knn = KNeighborsTimeSeriesClassifier(n_neighbors=1, distance=distance)
    knn.fit(data["train_x"], data["train_y"])
    accuracy = float((knn.predict(data["test_x"]) == data["test_y"]).mean())
    return accuracy, time.perf_counter() - started


def main() -> None:
    work = Path(sys.argv[1])
    for name in sys.argv[2:]:
        with np.load(work / f"{name}.npz") as f:
            data = {k: f[k].astype(np.float64) if k.endswith("_x") else f[k] for k in f.files}
        euclidean, dtw = one_nn("euclidean", data), one_nn("dtw", data)
        started = time.perf_counter()
        rocket = MiniRocket(random_state=0).fit(data["train_x"])
        features = {s: rocket.transform(data[f"{s}_x"]) for s in ("train", "test")}
        seconds = time.perf_counter() - started
        np.savez(work / f"{name}.minirocket.npz", **features)
        result = {
            "1nn_euclidean": euclidean[0],
            "1nn_dtw": dtw[0],
            "seconds": {"1nn_dtw": dtw[1], "minirocket_features": seconds},
        }
        (work / f"{name}.peers.json").write_text(json.dumps(result))
        print(name, result, flush=True)


if __name__ == "__main__":
    main()
