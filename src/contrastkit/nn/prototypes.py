"""Prototype layers: SwAV's normalised prototypes and DINO's head, which ends in one.

Both score an L2-normalised embedding against K unit vectors; they differ in how the unit
norm is kept. SwAV projects the weights back onto the sphere before every step
(:meth:`Prototypes.normalize_`); DINO reparametrises them (weight normalisation with the
norm fixed at 1), so the gradient itself sees the normalisation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.nn.heads import mlp


class Prototypes(nn.Module):
    """K trainable prototypes c_k and the scores :math:`z^\\top c_k` (SwAV, Sec. 3.1).

    A linear layer without bias whose rows are the prototypes. Call :meth:`normalize_`
    before each forward of a training step, as the authors' ``main_swav.py`` does, so the
    scores of normalised embeddings are cosines in [−1, 1].

    Args:
        dim: D, the width of the embeddings.
        n_prototypes: K (paper: 3000 on ImageNet).

    Shapes: (B, D) → (B, K). ``weight`` is (K, D).

    Example:
        >>> protos = Prototypes(128, 3000)
        >>> protos.normalize_()
        >>> protos(F.normalize(torch.randn(4, 128), dim=1)).shape
        torch.Size([4, 3000])
    """

    def __init__(self, dim: int, n_prototypes: int) -> None:
        super().__init__()
        for name, value in (("dim", dim), ("n_prototypes", n_prototypes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.weight = nn.Parameter(torch.empty(n_prototypes, dim))
        nn.init.kaiming_uniform_(self.weight, a=5**0.5)  # nn.Linear's initialisation
        self.normalize_()

    @torch.no_grad()
    def normalize_(self) -> None:
        """Project every prototype back onto the unit sphere, in place (no gradient)."""
        self.weight.copy_(F.normalize(self.weight, dim=1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.weight.t()  # (B, K)


class DINOHead(nn.Module):
    """DINO's projection head: a 3-layer MLP with GELU, an L2-normalised bottleneck, and a
    weight-normalised linear layer to K outputs with the norm fixed at 1 (Caron et al.
    2021, https://arxiv.org/abs/2104.14294, Sec. 3.1 "Network architecture", and
    ``DINOHead`` with ``norm_last_layer=True`` in the authors' code).

    h → MLP → u (bottleneck) → û = u / ‖u‖ → logit_k = û · v_k / ‖v_k‖, so every logit is a
    cosine in [−1, 1] and the temperatures alone set the sharpness. Linear layers keep
    PyTorch's initialisation (the authors use a truncated normal, std 0.02).

    Args:
        in_dim: width of the backbone features.
        out_dim: K (paper: 65536).
        hidden: hidden width of the MLP (paper: 2048).
        bottleneck: width of the normalised bottleneck (paper: 256).
        batch_norm: BatchNorm in the MLP (paper: none for ViTs; the authors' option for
            ResNets).

    Shapes: (B, in_dim) → (B, out_dim).

    Example:
        >>> DINOHead(512, 4096, hidden=1024, bottleneck=128)(torch.randn(4, 512)).shape
        torch.Size([4, 4096])
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int = 65536,
        *,
        hidden: int = 2048,
        bottleneck: int = 256,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        self.mlp = mlp(
            [in_dim, hidden, hidden, bottleneck], batch_norm=batch_norm, activation=nn.GELU
        )
        self.last_weight = nn.Parameter(torch.empty(out_dim, bottleneck))  # v, (K, bottleneck)
        nn.init.kaiming_uniform_(self.last_weight, a=5**0.5)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        u = F.normalize(self.mlp(h), dim=1)  # (B, bottleneck), unit rows
        return u @ F.normalize(self.last_weight, dim=1).t()  # (B, K), weight norm with g = 1
