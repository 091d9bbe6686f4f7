"""A learnable softmax temperature, stored as log(1/τ) and clamped, as in CLIP."""

from __future__ import annotations

import math

import torch
from torch import nn

# CLIP's bounds: the logit scale 1/τ is clamped to [1, 100] (Radford et al. 2021, Sec. 2.5:
# "clipped to prevent scaling the logits by more than 100"); open_clip clamps log(1/τ) to
# [0, log 100] after every optimiser step.
MIN_TEMPERATURE = 0.01
MAX_TEMPERATURE = 1.0


class LearnableTemperature(nn.Module):
    r"""τ as a parameter: :math:`\tau = e^{-s}` with :math:`s = \log(1/\tau)` learned.

    Learning :math:`s` rather than τ makes steps multiplicative in τ and keeps τ > 0; the
    value is clamped to ``[min_temperature, max_temperature]`` on every call, and the
    parameter itself is projected back into that range first (as CLIP clamps its logit scale
    after each optimiser step), so it never drifts where the clamp would zero its gradient
    for good. ``forward()`` returns τ as a 0-d tensor that carries the gradient to :math:`s`;
    the losses accept it wherever they take ``temperature``.

    Keep :math:`s` out of weight decay (``engine.optim.build_optimizer`` exempts 0-d and 1-D
    parameters): decay would pull :math:`s` to 0, i.e. τ to 1.

    Args:
        init: the starting τ (CLIP: 0.07), within the bounds.
        min_temperature, max_temperature: the clamp (CLIP: 0.01 and 1).

    Shapes: () → () (a scalar tensor).

    Reference: Radford et al., "Learning Transferable Visual Models From Natural Language
    Supervision", ICML 2021, https://arxiv.org/abs/2103.00020, Sec. 2.5.

    Example:
        >>> tau = LearnableTemperature(0.07)
        >>> loss = nt_xent(torch.randn(8, 16), torch.randn(8, 16), temperature=tau())
    """

    def __init__(
        self,
        init: float = 0.07,
        *,
        min_temperature: float = MIN_TEMPERATURE,
        max_temperature: float = MAX_TEMPERATURE,
    ) -> None:
        super().__init__()
        if not 0 < min_temperature <= max_temperature:
            raise ValueError(
                "need 0 < min_temperature <= max_temperature, got "
                f"{min_temperature} and {max_temperature}."
            )
        if not min_temperature <= init <= max_temperature:
            raise ValueError(
                f"a learnable temperature starts within [{min_temperature}, {max_temperature}], "
                f"got {init}; set the temperature inside that range."
            )
        self.min_temperature, self.max_temperature = min_temperature, max_temperature
        self.log_inv_tau = nn.Parameter(torch.tensor(math.log(1.0 / init)))  # s = log(1/τ)

    def _bounds(self) -> tuple[float, float]:
        return math.log(1.0 / self.max_temperature), math.log(1.0 / self.min_temperature)

    def forward(self) -> torch.Tensor:
        low, high = self._bounds()
        # CLIP-style projection of the parameter, on .data: a no-op inside the bounds, and
        # it leaves the autograd version alone, so a second call in the same step keeps the
        # first call's graph valid; no host sync on a GPU
        self.log_inv_tau.data.clamp_(low, high)
        return self.log_inv_tau.clamp(low, high).neg().exp()  # τ = e^{−s}, 0-d

    @property
    def value(self) -> float:
        """The current τ as a float (no graph)."""
        low, high = self._bounds()
        return math.exp(-min(max(float(self.log_inv_tau.detach()), low), high))

    def gradient(self) -> float | None:
        r"""dL/dτ from the parameter's last gradient, or None before any backward.

        The parameter is :math:`s = -\log\tau`, so :math:`dL/d\tau = -\frac{dL}{ds} / \tau`.
        (Under fp16 loss scaling the gradient is scaled unless the loop unscaled it.)
        """
        grad = self.log_inv_tau.grad
        if grad is None:
            return None
        return -float(grad) / self.value

    def extra_repr(self) -> str:
        return f"tau={self.value:.4g}, min={self.min_temperature}, max={self.max_temperature}"
