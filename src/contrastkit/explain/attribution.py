"""First-order attributions of a similarity to the parts of one input, through Captum.

The explained quantity is ``f(x) = Σ_k w_k · cos(embed(x), e_k)``: the similarity to one
candidate (``w = 1``), or a difference of two ("why a rather than b": ``+1, −1``), with the
other side's embeddings held fixed. Captum computes the attributions per element; here they
are summed into parts.

- ``integrated_gradients``: Σ over parts equals ``f(x) − f(baseline)`` up to the quadrature
  error, reported as ``completeness_error`` (Gauss–Legendre nodes, ``steps`` of them).
- ``occlusion``: ``f(x) − f(x with the part set to the baseline)``, one part at a time; needs
  no gradients, the model-agnostic check.
- ``gradient_x_input``: ∂f/∂x · x, the plain first-order score (no baseline, no path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from contrastkit.explain.parts import Parts

METHODS = ("integrated_gradients", "occlusion", "gradient_x_input")


@dataclass(frozen=True)
class Attribution:
    """Scores of the parts of one input for ``f``.

    Attributes:
        scores: ``(P,)`` one per part, in the units of the similarity.
        method: one of :data:`METHODS`.
        value: ``f(x)``.
        reference: ``f(baseline)`` (None for ``gradient_x_input``).
        completeness_error: ``|Σ scores − (f(x) − f(baseline))|`` for integrated gradients.
    """

    scores: torch.Tensor
    method: str
    value: float
    reference: float | None = None
    completeness_error: float | None = None


def similarity_to(
    parts: Parts, others: Sequence[torch.Tensor], weights: Sequence[float]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x (B, *shape) → (B,)``: Σ_k w_k cos(embed(x), others_k)."""
    targets = torch.stack([F.normalize(e.detach().float(), dim=-1) for e in others])  # (K, D)
    w = torch.tensor(list(weights), dtype=targets.dtype)

    def f(x: torch.Tensor) -> torch.Tensor:
        z = F.normalize(parts.embed(x).float(), dim=-1)  # (B, D)
        return (z @ targets.t().to(z.device)) @ w.to(z.device)

    return f


def attribute(
    parts: Parts,
    f: Callable[[torch.Tensor], torch.Tensor],
    method: str = "integrated_gradients",
    *,
    steps: int = 32,
    batch_size: int = 64,
) -> Attribution:
    """Attribute ``f`` (see :func:`similarity_to`) to the parts of ``parts``."""
    try:
        from captum.attr import FeatureAblation, InputXGradient, IntegratedGradients
    except ImportError as e:  # the [explain] extra
        raise ImportError(
            "explanations need captum; install it with: pip install 'contrastkit[explain]'"
        ) from e

    x, baseline = parts.inputs.unsqueeze(0), parts.baseline.unsqueeze(0)
    with torch.no_grad():
        value = float(f(x)[0])
    if method == "integrated_gradients":
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        attributions, delta = IntegratedGradients(f).attribute(
            x,
            baselines=baseline,
            n_steps=steps,
            method="gausslegendre",
            internal_batch_size=batch_size,
            return_convergence_delta=True,
        )
        with torch.no_grad():
            reference = float(f(baseline)[0])
        scores = parts.sum_parts(attributions[0].detach())
        return Attribution(scores, method, value, reference, abs(float(delta[0])))
    if method == "occlusion":
        # every part its own feature group; elements of no part (they equal the baseline) a
        # last group whose ablation changes nothing
        groups = torch.where(parts.part_of >= 0, parts.part_of, len(parts)).unsqueeze(0)
        with torch.no_grad():
            drops = FeatureAblation(f).attribute(
                x, baselines=baseline, feature_mask=groups, perturbations_per_eval=batch_size
            )[0]
            reference = float(f(baseline)[0])
        sizes = parts.sum_parts(torch.ones_like(drops))
        return Attribution(parts.sum_parts(drops) / sizes, method, value, reference)
    if method == "gradient_x_input":
        inputs = x.clone().requires_grad_(True)
        scores = parts.sum_parts(InputXGradient(f).attribute(inputs)[0].detach())
        return Attribution(scores, method, value)
    raise ValueError(f"unknown attribution method {method!r}; use one of {', '.join(METHODS)}")
