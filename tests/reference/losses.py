"""Reference losses: one anchor at a time, straight from each paper's equation."""

from __future__ import annotations

import math

import torch


def _unit(u: torch.Tensor) -> torch.Tensor:
    return u / torch.sqrt(sum(c * c for c in u))


def _units(x: torch.Tensor) -> list[torch.Tensor]:
    return [_unit(row) for row in x]


def _dot(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return sum(a * b for a, b in zip(u, v, strict=True))


def _dist(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(sum((a - b) ** 2 for a, b in zip(u, v, strict=True)))


def _mean(terms: list[torch.Tensor]) -> torch.Tensor:
    return sum(terms) / len(terms)


def _pick_one(anchor: torch.Tensor, candidates: list[torch.Tensor], target: int, tau: float):
    """−log of the softmax probability that unit ``anchor`` picks ``candidates[target]``."""
    scores = [torch.exp(_dot(anchor, c) / tau) for c in candidates]
    return -torch.log(scores[target] / sum(scores))


def info_nce_ref(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    temperature: float,
    negatives: torch.Tensor | None = None,
    symmetric: bool = False,
) -> torch.Tensor:
    """van den Oord 2018: anchor i picks positive i among all positives and the negatives."""
    a, p = _units(anchors), _units(positives)
    keys = p + ([] if negatives is None else _units(negatives))
    forward = _mean([_pick_one(a[i], keys, i, temperature) for i in range(len(a))])
    if not symmetric:
        return forward
    # reverse direction: positive i picks its anchor among all anchors (no extra negatives)
    backward = _mean([_pick_one(p[i], a, i, temperature) for i in range(len(p))])
    return (forward + backward) / 2


def nt_xent_ref(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR Eq. 1: 2N anchors, positive at i ± N, denominator over all k ≠ i."""
    n = z1.shape[0]
    z = _units(z1) + _units(z2)
    losses = []
    for i in range(2 * n):
        positive = (i + n) % (2 * n)
        numerator = torch.exp(_dot(z[i], z[positive]) / temperature)
        denominator = sum(torch.exp(_dot(z[i], z[k]) / temperature) for k in range(2 * n) if k != i)
        losses.append(-torch.log(numerator / denominator))
    return _mean(losses)


def masked_info_nce_ref(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    temperature: float,
    exclude: list[list[bool]],
    negatives: torch.Tensor | None = None,
    symmetric: bool = False,
) -> torch.Tensor:
    """InfoNCE with sample j dropped from sample i's candidates where exclude[i][j] (i ≠ j)."""
    a, p = _units(anchors), _units(positives)
    extra = [] if negatives is None else _units(negatives)
    n = len(a)

    def direction(queries: list[torch.Tensor], candidates: list[torch.Tensor], more: list):
        losses = []
        for i in range(n):
            kept = [candidates[i]] + [
                c for j, c in enumerate(candidates) if j != i and not exclude[i][j]
            ]
            losses.append(_pick_one(queries[i], kept + more, 0, temperature))
        return _mean(losses)

    forward = direction(a, p, extra)
    return forward if not symmetric else (forward + direction(p, a, [])) / 2


def masked_nt_xent_ref(
    z1: torch.Tensor, z2: torch.Tensor, temperature: float, exclude: list[list[bool]]
) -> torch.Tensor:
    """SimCLR Eq. 1 with both views of sample j left out of sample i's denominator where
    exclude[i][j] (the positive, i's other view, always kept)."""
    n = z1.shape[0]
    z = _units(z1) + _units(z2)
    losses = []
    for i in range(2 * n):
        positive = (i + n) % (2 * n)
        kept = [k for k in range(2 * n) if k != i and (k == positive or not exclude[i % n][k % n])]
        numerator = torch.exp(_dot(z[i], z[positive]) / temperature)
        denominator = sum(torch.exp(_dot(z[i], z[k]) / temperature) for k in kept)
        losses.append(-torch.log(numerator / denominator))
    return _mean(losses)


def supcon_ref(z: torch.Tensor, labels: torch.Tensor, temperature: float) -> torch.Tensor:
    """Khosla 2020 Eq. 2 (L_out); anchors with no positive are skipped, mean over the rest."""
    m = z.shape[0]
    u = _units(z)
    labels = [int(y) for y in labels]
    losses = []
    for i in range(m):
        positives = [p for p in range(m) if p != i and labels[p] == labels[i]]
        if not positives:
            continue
        denominator = sum(torch.exp(_dot(u[i], u[a]) / temperature) for a in range(m) if a != i)
        total = sum(
            torch.log(torch.exp(_dot(u[i], u[p]) / temperature) / denominator) for p in positives
        )
        losses.append(-total / len(positives))
    if not losses:
        return z.sum() * 0.0
    return _mean(losses)


# --- Chuang 2020 / Robinson 2021, transcribed from the authors' code --------------------------
# github.com/chingyaoc/DCL main.py and github.com/joshr17/HCL image/main.py, `criterion`.


def _get_negative_mask(batch_size: int) -> torch.Tensor:
    negative_mask = torch.ones((batch_size, 2 * batch_size), dtype=bool)
    for i in range(batch_size):
        negative_mask[i, i] = 0
        negative_mask[i, i + batch_size] = 0
    negative_mask = torch.cat((negative_mask, negative_mask), 0)
    return negative_mask


def _authors_pos_neg(out_1, out_2, temperature):
    batch_size = out_1.shape[0]
    out_1 = out_1 / out_1.norm(dim=1, keepdim=True)  # the authors' model returns F.normalize(out)
    out_2 = out_2 / out_2.norm(dim=1, keepdim=True)
    out = torch.cat([out_1, out_2], dim=0)
    neg = torch.exp(torch.mm(out, out.t().contiguous()) / temperature)
    mask = _get_negative_mask(batch_size)
    neg = neg.masked_select(mask).view(2 * batch_size, -1)
    pos = torch.exp(torch.sum(out_1 * out_2, dim=-1) / temperature)
    pos = torch.cat([pos, pos], dim=0)
    return pos, neg


def debiased_ref(out_1, out_2, temperature: float, tau_plus: float) -> torch.Tensor:
    batch_size = out_1.shape[0]
    pos, neg = _authors_pos_neg(out_1, out_2, temperature)
    N = batch_size * 2 - 2
    Ng = (-tau_plus * N * pos + neg.sum(dim=-1)) / (1 - tau_plus)
    Ng = torch.clamp(Ng, min=N * math.e ** (-1 / temperature))
    return (-torch.log(pos / (pos + Ng))).mean()


def hard_negative_ref(out_1, out_2, temperature: float, tau_plus: float, beta: float):
    batch_size = out_1.shape[0]
    pos, neg = _authors_pos_neg(out_1, out_2, temperature)
    N = batch_size * 2 - 2
    imp = (beta * neg.log()).exp()
    reweight_neg = (imp * neg).sum(dim=-1) / imp.mean(dim=-1)
    Ng = (-tau_plus * N * pos + reweight_neg) / (1 - tau_plus)
    Ng = torch.clamp(Ng, min=N * math.e ** (-1 / temperature))
    return (-torch.log(pos / (pos + Ng))).mean()


# --- distance and regression losses ----------------------------------------------------------


def triplet_ref(a: torch.Tensor, p: torch.Tensor, n: torch.Tensor, margin: float):
    """FaceNet Eq. 1 with (unsquared) Euclidean distances."""
    zero = a.new_zeros(())
    return _mean(
        [
            torch.maximum(zero, _dist(a[i], p[i]) - _dist(a[i], n[i]) + margin)
            for i in range(a.shape[0])
        ]
    )


def pairwise_margin_ref(x1: torch.Tensor, x2: torch.Tensor, same: torch.Tensor, margin: float):
    """Hadsell 2006 Eq. 4: similar → ½D², dissimilar → ½max(0, m − D)²."""
    zero = x1.new_zeros(())
    losses = []
    for i in range(x1.shape[0]):
        d = _dist(x1[i], x2[i])
        if bool(same[i]):
            losses.append(0.5 * d**2)
        else:
            losses.append(0.5 * torch.maximum(zero, margin - d) ** 2)
    return _mean(losses)


def negative_cosine_ref(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """SimSiam Eq. 1: D(p, z) = −p/‖p‖ · z/‖z‖, averaged over the batch."""
    p_hat, z_hat = _units(p), _units(z)
    return _mean([-_dot(p_hat[i], z_hat[i]) for i in range(len(p_hat))])
