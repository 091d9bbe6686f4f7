"""One rank of the 2-process gloo test of text ``Pairs`` (launched by test_pairs_ddp.py).

Each rank loads the same tiny BERT (float64, eval mode: no dropout), takes its slice of the
global batch of text pairs, computes Pairs' loss with ``gather_distributed=True`` (plain and
gradient-cached) and saves the loss and the encoder's parameter gradients.
"""

from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist

from contrastkit import distributed
from contrastkit.methods import Pairs
from contrastkit.text import TextEncoder
from contrastkit.types import TextBatch

PAIRS = [
    ("a man is playing a guitar", "someone plays the guitar"),
    ("a woman is slicing an onion", "an onion is being cut"),
    ("the cat sits on the mat", "a cat is on a mat"),
    ("two dogs run across the field", "dogs are running"),
    ("a child is riding a horse", "a kid rides a horse"),
    ("the stock market fell sharply today", "stocks dropped"),
    ("scientists discovered a new planet", "a planet was found"),
    ("the senate passed the budget bill", "the budget was approved"),
]
CASES = {"plain": None, "cached": 3}


def encoder(model_dir: str) -> TextEncoder:
    return TextEncoder.from_pretrained(model_dir).double().eval()


def run(enc: TextEncoder, rows: list[tuple[str, str]], cache: int | None, gather: bool) -> dict:
    method = Pairs(enc, cache_batch=cache, gather_distributed=gather, symmetric=True)
    enc.zero_grad()
    batch = TextBatch(tuple(enc.tokenize(list(column)) for column in zip(*rows, strict=True)))
    loss = method.training_step(batch).loss
    loss.backward()
    grads = {n: p.grad.clone() for n, p in enc.named_parameters() if p.grad is not None}
    return {"loss": loss.detach(), "grads": grads}


def main(out_dir: str, model_dir: str) -> None:
    dist.init_process_group("gloo")
    r, w = distributed.rank(), distributed.world_size()
    n = len(PAIRS) // w
    mine = PAIRS[r * n : (r + 1) * n]
    enc = encoder(model_dir)
    results = {name: run(enc, mine, cache, gather=True) for name, cache in CASES.items()}
    torch.save(results, os.path.join(out_dir, f"rank{r}.pt"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
