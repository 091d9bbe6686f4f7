"""``GET /metrics``: request counts, latencies and the batcher's work, in Prometheus's text
format (no client library needed for a handful of series)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from contrastkit.serve.batcher import BatchStats

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    requests: Counter[tuple[str, int]] = field(default_factory=Counter)  # (path, status)
    buckets: Counter[tuple[str, float]] = field(default_factory=Counter)  # (path, le)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: Counter[str] = field(default_factory=Counter)

    def observe(self, path: str, status: int, seconds: float) -> None:
        self.requests[(path, status)] += 1
        self.seconds[path] += seconds
        self.counts[path] += 1
        for le in BUCKETS:
            if seconds <= le:
                self.buckets[(path, le)] += 1

    def render(self, batches: BatchStats, vectors: int | None) -> str:
        lines = [
            "# HELP contrastkit_requests_total HTTP requests by path and status.",
            "# TYPE contrastkit_requests_total counter",
        ]
        for (path, status), n in sorted(self.requests.items()):
            lines.append(f'contrastkit_requests_total{{path="{path}",status="{status}"}} {n}')
        lines += [
            "# HELP contrastkit_request_seconds Request latency.",
            "# TYPE contrastkit_request_seconds histogram",
        ]
        for path in sorted(self.counts):
            for le in BUCKETS:
                n = self.buckets[(path, le)]
                lines.append(f'contrastkit_request_seconds_bucket{{path="{path}",le="{le}"}} {n}')
            lines.append(
                f'contrastkit_request_seconds_bucket{{path="{path}",le="+Inf"}} {self.counts[path]}'
            )
            lines.append(
                f'contrastkit_request_seconds_sum{{path="{path}"}} {self.seconds[path]:.6f}'
            )
            lines.append(f'contrastkit_request_seconds_count{{path="{path}"}} {self.counts[path]}')
        lines += [
            "# TYPE contrastkit_batches_total counter",
            f"contrastkit_batches_total {batches.batches}",
            "# TYPE contrastkit_batch_inputs_total counter",
            f"contrastkit_batch_inputs_total {batches.items}",
            "# TYPE contrastkit_encode_seconds_total counter",
            f"contrastkit_encode_seconds_total {batches.seconds:.6f}",
            "# TYPE contrastkit_queued_inputs gauge",
            f"contrastkit_queued_inputs {batches.queued_items}",
        ]
        if vectors is not None:
            lines += [
                "# TYPE contrastkit_index_vectors gauge",
                f"contrastkit_index_vectors {vectors}",
            ]
        return "\n".join(lines) + "\n"
