"""The multi-crop "swapped prediction" cross-entropy shared by SwAV and DINO."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from contrastkit.losses._checks import check_crops, check_embeddings
from contrastkit.losses._precision import full_precision, upcast


def cross_view_cross_entropy(
    log_probs: Sequence[torch.Tensor], targets: Sequence[torch.Tensor]
) -> torch.Tensor:
    r"""Mean over crop pairs (t, v) with v ≠ t of :math:`-\frac1B \sum_b \sum_k q^{(t)}_{bk} \log p^{(v)}_{bk}`.

    ``targets[t]`` belongs to crop t (the first ``len(targets)`` crops, the large ones), so a
    crop never predicts its own target. SwAV averages over crops v for each code crop t, then
    over t; DINO averages over all pairs at once. Every t has the same ``V − 1`` partners, so
    the two orders give the same number.

    Shapes: log_probs V × (B, K), targets T × (B, K) with T ≤ V → scalar.
    """
    terms = [
        -(q * log_p).sum(dim=1).mean()
        for t, q in enumerate(targets)
        for v, log_p in enumerate(log_probs)
        if v != t
    ]
    return torch.stack(terms).mean()


def cross_view_loss(
    logits_per_crop: Sequence[torch.Tensor],
    targets_per_crop: Sequence[torch.Tensor],
    temperature: float,
    *,
    names: tuple[str, str],
    nouns: tuple[str, str],
) -> torch.Tensor:
    """:func:`cross_view_cross_entropy` of ``log_softmax(logits / temperature)`` against the
    detached targets, after checking the crops: the body of ``swav_loss`` and ``dino_loss``.

    Computed in full precision (float32, or float64 if given), autocast or not.

    Args:
        logits_per_crop: V ≥ 2 logit matrices, one per crop, all for the same B samples.
        targets_per_crop: T ≥ 1 target distributions for the first T crops (T ≤ V).
        temperature: the softmax temperature, already checked by the caller.
        names: the caller's argument names for the two lists, for the error messages.
        nouns: what the caller's error messages call them ("scores", "codes").

    Shapes: V × (B, K) logits, T × (B, K) targets → scalar.
    """
    logits_name, targets_name = names
    check_crops(logits_per_crop, logits_name, 2)
    check_crops(targets_per_crop, targets_name, 1)
    if len(targets_per_crop) > len(logits_per_crop):
        logits_noun, targets_noun = nouns
        raise ValueError(
            f"got {targets_noun} for {len(targets_per_crop)} crops but {logits_noun} for only "
            f"{len(logits_per_crop)}; {targets_noun} belong to the first crops."
        )
    crop_names = [f"{logits_name}[{v}]" for v in range(len(logits_per_crop))]
    crop_names += [f"{targets_name}[{t}]" for t in range(len(targets_per_crop))]
    check_embeddings(*logits_per_crop, *targets_per_crop, names=tuple(crop_names))
    with full_precision(logits_per_crop[0].device):
        log_p = [F.log_softmax(upcast(s) / temperature, dim=1) for s in logits_per_crop]
        return cross_view_cross_entropy(log_p, [upcast(q).detach() for q in targets_per_crop])
