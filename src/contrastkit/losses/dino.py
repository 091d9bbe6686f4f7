"""DINO: a student matches the centred, sharpened outputs of its EMA teacher across crops."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit import distributed
from contrastkit.losses._checks import (
    check_crops,
    check_embeddings,
    check_finite,
    check_momentum,
    check_temperature,
)
from contrastkit.losses._cross_view import cross_view_loss
from contrastkit.losses._precision import full_precision, upcast


@torch.no_grad()
def dino_teacher_probs(
    teacher_logits: torch.Tensor, center: torch.Tensor, teacher_temp: float = 0.04
) -> torch.Tensor:
    r"""The teacher's targets :math:`P_t(x) = \operatorname{softmax}((g_t(x) - c) / \tau_t)`.

    Centring (subtracting the running mean c of the teacher's outputs) keeps one dimension
    from dominating; sharpening (a low τ_t) keeps the output from going uniform. Together
    they avoid collapse (Sec. 3.1, "Avoiding collapse"). No gradient flows.

    Args:
        teacher_logits: the teacher head's outputs.
        center: c, the running mean from :func:`update_center` (zeros at the start).
        teacher_temp: τ_t > 0 (paper: 0.04, warmed up to 0.07 for ViTs).

    Shapes: teacher_logits (B, K), center (K,) or (1, K) → (B, K), rows summing to 1.
    """
    check_temperature(teacher_temp, "teacher_temp")
    check_embeddings(teacher_logits, names=("teacher_logits",), min_rows=1)
    _check_center(center, teacher_logits.shape[1])
    with full_precision(teacher_logits.device):
        return F.softmax((upcast(teacher_logits) - upcast(center)) / teacher_temp, dim=1)


@torch.no_grad()
def update_center(
    center: torch.Tensor,
    teacher_logits: torch.Tensor,
    momentum: float = 0.9,
    *,
    gather_distributed: bool = False,
) -> torch.Tensor:
    r"""The new centre :math:`c \leftarrow m\,c + (1 - m) \frac1B \sum_b g_t(x_b)` (Eq. 4).

    Args:
        center: the current centre c.
        teacher_logits: this step's teacher outputs (all large crops stacked as rows).
        momentum: m ∈ [0, 1] (paper: 0.9).
        gather_distributed: average the batch mean over ranks (the authors' all-reduce), so
            every rank keeps the same centre; ranks must have equal batch sizes.

    Shapes: center (1, K), teacher_logits (B, K) → (1, K) in center's dtype. No gradient.
    """
    check_momentum(momentum)
    check_embeddings(teacher_logits, names=("teacher_logits",), min_rows=1)
    _check_center(center, teacher_logits.shape[1])
    batch_center = upcast(teacher_logits).mean(dim=0, keepdim=True)  # (1, K)
    if gather_distributed:
        batch_center = distributed.all_reduce_mean(batch_center)
    return (momentum * center + (1 - momentum) * batch_center).to(center.dtype)


def dino_loss(
    student_logits_per_crop: Sequence[torch.Tensor],
    teacher_probs_per_crop: Sequence[torch.Tensor],
    *,
    student_temp: float = 0.1,
) -> torch.Tensor:
    r"""DINO's cross-entropy between the teacher's targets and the student's predictions.

    With :math:`P_s(x^{(v)}) = \operatorname{softmax}(g_s(x^{(v)}) / \tau_s)` and the
    teacher's targets :math:`P_t(x^{(t)})` of the T large crops (:func:`dino_teacher_probs`),

    .. math::
        L = \frac{1}{T (V - 1)} \sum_{t=1}^{T} \sum_{v \ne t}
            -\frac1B \sum_b \sum_k P_t(x^{(t)}_b)_k \log P_s(x^{(v)}_b)_k

    (Eq. 3): every crop, large or small, predicts the teacher's view of every *other* large
    crop; the pairs of a crop with itself are left out. The targets are detached.

    Args:
        student_logits_per_crop: V ≥ 2 student head outputs, large crops first, all for
            the same B samples in the same order.
        teacher_probs_per_crop: T ≥ 1 teacher targets for the first T crops (T ≤ V).
        student_temp: τ_s > 0 (paper: 0.1).

    Shapes: V × (B, K) logits, T × (B, K) probabilities → scalar.

    Related: :func:`swav_loss` (the same cross-crop cross-entropy with Sinkhorn codes).

    Reference: Caron et al., "Emerging Properties in Self-Supervised Vision Transformers",
    ICCV 2021, https://arxiv.org/abs/2104.14294, Sec. 3.1 and Algorithm 1.

    Example:
        >>> s = [torch.randn(8, 64) for _ in range(4)]
        >>> t = [dino_teacher_probs(torch.randn(8, 64), torch.zeros(64)) for _ in range(2)]
        >>> loss = dino_loss(s, t, student_temp=0.1)
    """
    check_temperature(student_temp, "student_temp")
    return cross_view_loss(
        student_logits_per_crop,
        teacher_probs_per_crop,
        student_temp,
        names=("student_logits_per_crop", "teacher_probs_per_crop"),
        nouns=("student outputs", "teacher targets"),
    )


def _check_center(center: torch.Tensor, k: int) -> None:
    if center.shape not in ((k,), (1, k)):
        raise ValueError(f"center must have shape ({k},) or (1, {k}), got {tuple(center.shape)}.")
    check_finite(center, "center")


class DINOLoss(nn.Module):
    """DINO's loss with its running centre: :func:`dino_teacher_probs`, then :func:`dino_loss`.

    The centre is a buffer (it travels in ``state_dict`` and checkpoints). ``forward`` only
    reads it; the method calls :meth:`update_center` with the step's teacher outputs, once
    per step, after the loss (as Algorithm 1) — an explicit update, not a forward side effect.

    Args:
        out_dim: K, the width of the head's output (paper: 65536).
        student_temp, teacher_temp: τ_s, τ_t (paper: 0.1, 0.04).
        center_momentum: m of :func:`update_center` (paper: 0.9).
        gather_distributed: average the centre update over ranks.

    Shapes: ``forward(student_logits_per_crop, teacher_logits_per_crop)``: V × (B, K) and
    T × (B, K) logits → scalar; ``update_center(teacher_logits)``: (M, K).
    """

    center: torch.Tensor

    def __init__(
        self,
        out_dim: int,
        *,
        student_temp: float = 0.1,
        teacher_temp: float = 0.04,
        center_momentum: float = 0.9,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        if isinstance(out_dim, bool) or not isinstance(out_dim, int) or out_dim < 1:
            raise ValueError(f"out_dim must be a positive integer, got {out_dim!r}.")
        check_temperature(student_temp, "student_temp")
        check_temperature(teacher_temp, "teacher_temp")
        check_momentum(center_momentum, "center_momentum")
        self.student_temp, self.teacher_temp = student_temp, teacher_temp
        self.center_momentum, self.gather_distributed = center_momentum, gather_distributed
        self.register_buffer("center", torch.zeros(1, out_dim))

    def forward(
        self,
        student_logits_per_crop: Sequence[torch.Tensor],
        teacher_logits_per_crop: Sequence[torch.Tensor],
    ) -> torch.Tensor:
        check_crops(teacher_logits_per_crop, "teacher_logits_per_crop", 1)
        targets = [
            dino_teacher_probs(t, self.center, self.teacher_temp) for t in teacher_logits_per_crop
        ]
        return dino_loss(student_logits_per_crop, targets, student_temp=self.student_temp)

    @torch.no_grad()
    def update_center(self, teacher_logits: torch.Tensor) -> None:
        self.center.copy_(
            update_center(
                self.center,
                teacher_logits,
                self.center_momentum,
                gather_distributed=self.gather_distributed,
            )
        )
