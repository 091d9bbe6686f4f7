"""Which part of the query matches which part of the candidate: a pairwise map of a cosine
similarity, second order, complete.

Each input's embedding (before normalisation) is split into one vector per part by
integrating the encoder's Jacobian along the straight path from the baseline, one
Jacobian-vector product per part and quadrature node (forward mode, no D backward passes):

    c_i = ∫₀¹ J(x' + α(x − x')) · ((x − x') ⊙ m_i) dα,       Σ_i c_i = u(x) − u(x')

so ``u(x) = u(x') + Σ_i c_i`` exactly up to the quadrature error. The cosine then splits into
part pairs,

    cos(q, a) = Σ_ij c_i(q) · c_j(a) / (‖u(q)‖ ‖u(a)‖)   (+ the baseline's own row and column),

the second-order decomposition of BiLRP (Eberle et al. 2020) with integrated gradients as the
first-order rule. Swapping query and candidate transposes the map exactly. For an encoder
that is linear in its input with a zero baseline (mean-pooled token embeddings) the map is the
closed-form token-pair decomposition of the cosine.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import jvp
from torch.nn.attention import SDPBackend, sdpa_kernel

from contrastkit.explain.parts import Parts

BASELINE = "(baseline)"


@dataclass(frozen=True)
class PairwiseMap:
    """``values[i, j]``: how much query part i matching candidate part j adds to the cosine.

    The last row and column hold the baselines' embeddings (what the reference input already
    says); ``values.sum()`` equals the cosine up to ``completeness_error``.
    """

    values: torch.Tensor  # (Pq + 1, Pa + 1)
    rows: list[str]
    columns: list[str]
    similarity: float
    completeness_error: float

    def transpose(self) -> PairwiseMap:
        return PairwiseMap(
            self.values.t(), self.columns, self.rows, self.similarity, self.completeness_error
        )


def _largest(parts: Parts, scores: torch.Tensor | None, k: int) -> list[int]:
    if scores is None:
        return list(range(min(k, len(parts))))
    return torch.argsort(scores.abs(), descending=True)[:k].tolist()


def quadrature(steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss–Legendre nodes and weights on [0, 1] (the weights sum to 1)."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    return torch.tensor((nodes + 1) / 2), torch.tensor(weights / 2)


def contributions(parts: Parts, *, steps: int = 16, batch_size: int = 128) -> torch.Tensor:
    """``(P + 1, D)``: each part's vector ``c_i``, then ``u(baseline)``; rows sum to ``u(x)``
    up to the quadrature error."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    nodes, weights = (t.to(parts.inputs.dtype) for t in quadrature(steps))
    delta = parts.inputs - parts.baseline
    tangents = parts.masks() * delta  # (P, *shape)
    shape = (1,) * parts.inputs.dim()
    path = parts.baseline + nodes.view(-1, *shape) * delta  # (n, *shape)
    per_chunk = max(1, batch_size // steps)
    vectors = []
    # forward-mode AD through attention needs the math kernel (the fused ones have no JVP);
    # torch.func's first use warns that torch.jit.script is deprecated, from inside torch
    with torch.no_grad(), sdpa_kernel([SDPBackend.MATH]), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", FutureWarning)
        for start in range(0, len(parts), per_chunk):
            t = tangents[start : start + per_chunk]  # (p, *shape)
            p = len(t)
            points = path.repeat(p, *shape)  # (p·n, *shape): part-major
            directions = t.repeat_interleave(steps, dim=0)
            dots = jvp(parts.embed, (points,), (directions,))[1]  # (p·n, D)
            vectors.append(
                (dots.view(p, steps, -1).float() * weights.float().view(1, -1, 1)).sum(1)
            )
        origin = parts.embed(parts.baseline.unsqueeze(0)).float()  # (1, D)
    return torch.cat([*vectors, origin])


def pairwise_map(
    query: Parts,
    candidate: Parts,
    *,
    steps: int = 16,
    max_parts: int | None = None,
    scores: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> PairwiseMap:
    """The part × part map of cos(query, candidate); see the module docstring.

    The cost is one forward-mode pass per part and step, so with ``max_parts`` an input keeps
    only its ``max_parts`` parts of largest |score| (``scores``: a first-order attribution of
    each side; else the first parts) and merges the others into one "N other parts": the map
    stays complete, only coarser.
    """
    if max_parts is not None:
        query, candidate = (
            p.keep(_largest(p, s, max_parts))
            for p, s in zip((query, candidate), scores or (None, None), strict=True)
        )
    rows, columns = contributions(query, steps=steps), contributions(candidate, steps=steps)
    with torch.no_grad():
        uq = query.embed(query.inputs.unsqueeze(0)).float()[0]
        ua = candidate.embed(candidate.inputs.unsqueeze(0)).float()[0]
    values = rows @ columns.t() / (uq.norm() * ua.norm())
    similarity = float(torch.nn.functional.cosine_similarity(uq, ua, dim=0))
    return PairwiseMap(
        values,
        [*query.labels, BASELINE],
        [*candidate.labels, BASELINE],
        similarity,
        abs(float(values.sum()) - similarity),
    )
