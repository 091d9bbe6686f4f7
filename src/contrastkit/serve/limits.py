"""What the service accepts, configurable (``contrastkit serve --max-…``).

Defaults follow the serving tools users know (Hugging Face TEI, Infinity): 32 inputs a request
and 2 MiB a body; here every limit can be raised. A request over one gets the status code
those tools use: 413 (body too large, or an image with too many pixels), 422 (too many inputs,
a text too long, ``top_k`` over the limit), 429 (more inputs waiting than ``max_queued``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 2 * 2**20  # a request body; refused before it is read past this
    max_inputs: int = 32  # texts or images in one request
    max_text_chars: int = 16_384  # one text
    max_top_k: int = 100  # results of one search
    max_pixels: int = 40_000_000  # an uploaded image's width × height, from its header
    max_queued: int = 1024  # inputs waiting to be encoded; one more is a 429 at once
    max_batch_items: int = 64  # inputs encoded together
    max_batch_cost: int = 16_384  # their tokens (texts) or 256-value patches (images) together
    max_queued_explanations: int = 4  # POST /explain runs one at a time; this many may wait
    workers: int = 1  # encoder threads; each runs torch on `threads` cores
    threads: int = field(default_factory=_cores)

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a positive integer, got {value!r}")
