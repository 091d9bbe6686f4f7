"""The logQ-corrected in-batch softmax against a loop reference."""

from __future__ import annotations

import math

import torch

from contrastkit.losses.sampled_softmax import sampled_softmax


def reference(u, v, tau, log_q, exclude) -> float:
    total = 0.0
    for i in range(len(u)):
        logits = []
        for j in range(len(v)):
            if exclude is not None and i != j and exclude[i, j]:
                continue
            s = float(u[i] @ v[j]) / tau - (float(log_q[j]) if log_q is not None else 0.0)
            logits.append((j, s))
        top = max(s for _, s in logits)
        log_z = top + math.log(sum(math.exp(s - top) for _, s in logits))
        total += log_z - dict(logits)[i]
    return total / len(u)


def test_equals_the_loop_with_and_without_correction_and_mask():
    g = torch.Generator().manual_seed(0)
    u, v = (
        torch.randn(7, 4, generator=g, dtype=torch.float64),
        torch.randn(7, 4, generator=g, dtype=torch.float64),
    )
    log_q = torch.log(torch.rand(7, generator=g, dtype=torch.float64))
    exclude = torch.rand(7, 7, generator=g) < 0.3
    for q in (None, log_q):
        for ex in (None, exclude):
            got = sampled_softmax(u, v, temperature=0.5, log_q=q, exclude=ex)
            assert abs(float(got) - reference(u, v, 0.5, q, ex)) < 1e-10


def test_mined_negatives_join_their_rows_softmax_without_correction():
    g = torch.Generator().manual_seed(3)
    u, v = (
        torch.randn(4, 3, generator=g, dtype=torch.float64),
        torch.randn(4, 3, generator=g, dtype=torch.float64),
    )
    hard = torch.randn(4, 2, 3, generator=g, dtype=torch.float64)
    log_q = torch.log(torch.rand(4, generator=g, dtype=torch.float64))
    total = 0.0
    for i in range(4):
        logits = [float(u[i] @ v[j]) / 0.5 - float(log_q[j]) for j in range(4)]
        logits += [float(u[i] @ hard[i, m]) / 0.5 for m in range(2)]
        total += math.log(sum(math.exp(s) for s in logits)) - logits[i]
    got = sampled_softmax(u, v, temperature=0.5, log_q=log_q, hard=hard)
    assert abs(float(got) - total / 4) < 1e-10
