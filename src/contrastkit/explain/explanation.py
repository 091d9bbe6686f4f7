"""``explain``: why a candidate is near a query ("why a"), and why nearer than another ("why a
rather than b"), for any encoder that splits its items into parts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from contrastkit.explain.attribution import Attribution, attribute, similarity_to
from contrastkit.explain.pairwise import PairwiseMap, pairwise_map
from contrastkit.explain.parts import ExplainsParts, Parts


@dataclass(frozen=True)
class Side:
    """One input of an explanation, its parts and what they contributed.

    ``explained`` says what the scores add up to: ``"s(q, a)"``, ``"s(q, a) − s(q, b)"``…
    """

    role: str  # "query", "candidate", "versus"
    parts: Parts
    explained: str
    integrated_gradients: Attribution
    occlusion: Attribution | None

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` parts with the largest integrated-gradient scores, largest first."""
        scores = self.integrated_gradients.scores
        order = torch.argsort(scores, descending=True)[:k]
        return [(self.parts.labels[i], float(scores[i])) for i in order.tolist()]


@dataclass(frozen=True)
class Explanation:
    similarity: float  # s(q, a)
    versus_similarity: float | None  # s(q, b)
    query: Side
    candidate: Side
    versus: Side | None
    pairwise: PairwiseMap | None  # query parts × candidate parts
    steps: int
    seconds: float

    @property
    def sides(self) -> list[Side]:
        return [s for s in (self.query, self.candidate, self.versus) if s is not None]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers (what the service returns and ``--out`` saves)."""

        def side(s: Side) -> dict[str, Any]:
            ig, occ = s.integrated_gradients, s.occlusion
            return {
                "explained": s.explained,
                "parts": s.parts.labels,
                "grid": s.parts.grid,
                "baseline": s.parts.baseline_name,
                "integrated_gradients": ig.scores.tolist(),
                "value": ig.value,
                "at_baseline": ig.reference,
                "completeness_error": ig.completeness_error,
                "occlusion": occ.scores.tolist() if occ is not None else None,
            }

        out: dict[str, Any] = {
            "similarity": self.similarity,
            "versus_similarity": self.versus_similarity,
            "steps": self.steps,
            "seconds": self.seconds,
            **{s.role: side(s) for s in self.sides},
        }
        if self.pairwise is not None:
            out["pairwise"] = {
                "rows": self.pairwise.rows,
                "columns": self.pairwise.columns,
                "values": self.pairwise.values.tolist(),
                "completeness_error": self.pairwise.completeness_error,
            }
        return out


def explain(
    encoder: Any,
    query: Any,
    candidate: Any,
    *,
    versus: Any | None = None,
    steps: int = 32,
    occlusion: bool = True,
    pairwise: bool = True,
    pairwise_steps: int = 16,
    pairwise_parts: int = 16,
) -> Explanation:
    """Why ``candidate`` is similar to ``query`` (and, with ``versus``, more similar than it).

    - query side: integrated gradients of s(q, a) (or s(q, a) − s(q, b)) over the query's
      parts, the candidate's and the versus item's embeddings held fixed;
    - candidate side: of s(q, a) over the candidate's parts; versus side: of s(q, b) over b's;
    - occlusion of the same quantities, part by part, as a model-agnostic check;
    - the pairwise map of the query's parts × the candidate's parts (the ``pairwise_parts``
      of each with the largest integrated-gradient scores, the rest merged into one).

    Items are what the encoder's ``parts`` takes (a string, an image tensor…).

    Example:
        >>> why = explain(load_encoder("export"), "cheap flights", "low-cost airlines")
        >>> why.query.top(3)      # [("cheap", 0.31), ("flights", 0.22), …]
    """
    if not isinstance(encoder, ExplainsParts):
        raise TypeError(f"{type(encoder).__name__} cannot split its inputs into parts to explain")
    start = time.perf_counter()
    q, a = encoder.parts(query), encoder.parts(candidate)
    b = encoder.parts(versus) if versus is not None else None
    with torch.no_grad():
        eq, ea = (p.embed(p.inputs.unsqueeze(0))[0] for p in (q, a))
        eb = b.embed(b.inputs.unsqueeze(0))[0] if b is not None else None
    s_qa = float(F.cosine_similarity(eq.float(), ea.float(), dim=0))
    s_qb = float(F.cosine_similarity(eq.float(), eb.float(), dim=0)) if eb is not None else None

    def side(role: str, parts: Parts, others: list[torch.Tensor], weights: list[float], what: str):
        f = similarity_to(parts, others, weights)
        ig = attribute(parts, f, "integrated_gradients", steps=steps)
        occ = attribute(parts, f, "occlusion") if occlusion else None
        return Side(role, parts, what, ig, occ)

    if eb is None:
        query_side = side("query", q, [ea], [1.0], "s(q, a)")
    else:
        query_side = side("query", q, [ea, eb], [1.0, -1.0], "s(q, a) − s(q, b)")
    candidate_side = side("candidate", a, [eq], [1.0], "s(q, a)")
    versus_side = side("versus", b, [eq], [1.0], "s(q, b)") if b is not None else None
    grid = None
    if pairwise:
        scores = (
            query_side.integrated_gradients.scores,
            candidate_side.integrated_gradients.scores,
        )
        grid = pairwise_map(q, a, steps=pairwise_steps, max_parts=pairwise_parts, scores=scores)
    return Explanation(
        s_qa,
        s_qb,
        query_side,
        candidate_side,
        versus_side,
        grid,
        steps,
        time.perf_counter() - start,
    )
