"""DINO: self-distillation with no labels; a student matches its EMA teacher across crops."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from contrastkit.losses import DINOLoss
from contrastkit.methods._checks import backbone_dim, check_base_momentum, check_step_count
from contrastkit.methods._parts import encode_crops, project_views
from contrastkit.nn.momentum import ema_update_, frozen_copy
from contrastkit.nn.prototypes import DINOHead
from contrastkit.types import StepOutput, Views


class DINO(nn.Module):
    """DINO (Caron et al. 2021, https://arxiv.org/abs/2104.14294, Algorithm 1).

    Student g_s = head ∘ f and teacher g_t, an EMA of the student updated by
    :meth:`update_target` (no gradient). The teacher sees the two large crops; its outputs,
    centred by a running mean c and sharpened by τ_t, are the targets that the student's
    softmax(g_s / τ_s) of every *other* crop (large and small) must match
    (:class:`~contrastkit.losses.DINOLoss`). The centre is updated after the loss, once per
    step; it is a buffer of the loss, so it travels in checkpoints.

    The teacher temperature is fixed unless ``warmup_teacher_temp`` is given: then it rises
    linearly from that value to ``teacher_temp`` over ``warmup_teacher_temp_steps`` steps
    (the paper: 0.04 → 0.07 over the first 30 epochs; the authors' code warns that starting
    above 0.07 is unstable). The steps taken are a buffer, so a resumed run continues the
    schedule; it counts optimiser steps (:meth:`update_target` calls).

    ``freeze_last_layer_steps`` keeps the head's last layer as initialised for that many
    optimiser steps (the paper: the first epoch, "which helps training"): the loop calls
    :meth:`before_optimizer_step`, which drops that layer's gradient, so the optimiser
    leaves it (and its moments and weight decay) alone.

    Multi-crop: ``views.crops`` go through the student only, as one extra batch per
    resolution, as in the authors' ``MultiCropWrapper``.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: the head's hidden and bottleneck widths
            (paper: 2048, 256).
        out_dim: K, the head's output width (paper: 65536).
        student_temp, teacher_temp: τ_s, τ_t (paper: 0.1, 0.04).
        center_momentum: the centre's EMA rate (paper: 0.9).
        base_momentum: the teacher's EMA rate at step 0, raised to 1 on a cosine (0.996).
        gather_distributed: average the centre update over ranks.
        warmup_teacher_temp, warmup_teacher_temp_steps: τ_t's starting value and the steps
            over which it reaches ``teacher_temp`` (paper: 0.04, 30 epochs); None: fixed τ_t.
        freeze_last_layer_steps: optimiser steps during which the head's last layer does not
            train (paper: one epoch); 0 trains it from the start.
    """

    steps_done: torch.Tensor

    multi_crop: ClassVar[bool] = True  # the stream may add small crops (data.small_crops)

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 256,
        out_dim: int = 65536,
        student_temp: float = 0.1,
        teacher_temp: float = 0.04,
        center_momentum: float = 0.9,
        base_momentum: float = 0.996,
        gather_distributed: bool = False,
        warmup_teacher_temp: float | None = None,
        warmup_teacher_temp_steps: int = 0,
        freeze_last_layer_steps: int = 0,
    ) -> None:
        super().__init__()
        check_step_count("freeze_last_layer_steps", freeze_last_layer_steps)
        self.freeze_last_layer_steps = freeze_last_layer_steps
        if warmup_teacher_temp is not None and (
            warmup_teacher_temp <= 0 or warmup_teacher_temp_steps < 1
        ):
            raise ValueError(
                "a teacher-temperature warm-up needs warmup_teacher_temp > 0 and "
                "warmup_teacher_temp_steps >= 1"
            )
        self.teacher_temp_range = (warmup_teacher_temp or teacher_temp, teacher_temp)
        self.warmup_teacher_temp_steps = warmup_teacher_temp_steps
        self.register_buffer("steps_done", torch.zeros((), dtype=torch.long))
        check_base_momentum(base_momentum)
        self.base_momentum = base_momentum
        self.backbone = backbone
        self.head = DINOHead(
            backbone_dim(backbone), out_dim, hidden=projection_hidden, bottleneck=projection_dim
        )
        self.teacher_backbone = frozen_copy(self.backbone)
        self.teacher_head = frozen_copy(self.head)
        self.criterion = DINOLoss(
            out_dim,
            student_temp=student_temp,
            teacher_temp=teacher_temp,
            center_momentum=center_momentum,
            gather_distributed=gather_distributed,
        )

    def training_step(self, views: Views) -> StepOutput:
        large = torch.cat([views.first, views.second])  # (2B, C, H, W)
        with torch.no_grad():
            t = self.teacher_head(self.teacher_backbone(large))  # (2B, K)
        h = encode_crops(self.backbone, large, views.crops)  # ((2 + V)B, dim)
        s = self.head(h).chunk(2 + len(views.crops))  # (2 + V) × (B, K)
        self.criterion.teacher_temp = self.teacher_temperature()
        loss = self.criterion(s, t.chunk(2))
        self.criterion.update_center(t)
        return StepOutput(loss, s[0].detach(), s[1].detach())

    def teacher_temperature(self) -> float:
        """τ_t of the coming step: linear from the warm-up start to ``teacher_temp``."""
        start, end = self.teacher_temp_range
        if start == end:
            return end
        done = min(int(self.steps_done), self.warmup_teacher_temp_steps)
        return start + (end - start) * done / self.warmup_teacher_temp_steps

    def before_optimizer_step(self, step: int) -> None:
        """During the first ``freeze_last_layer_steps`` steps, drop the last layer's
        gradient: the optimiser skips a parameter without one."""
        if step < self.freeze_last_layer_steps:
            self.head.last_weight.grad = None

    @torch.no_grad()
    def update_target(self, momentum: float) -> None:
        """θ_t ← m·θ_t + (1 − m)·θ_s for the teacher; the loop calls it after each step."""
        ema_update_(self.teacher_backbone, self.backbone, momentum)
        ema_update_(self.teacher_head, self.head, momentum)
        self.steps_done += 1  # optimiser steps: the teacher-temperature schedule's clock

    @property
    def encoder(self) -> nn.Module:
        """f, the student's representation kept after training (``export`` writes it).
        ``(B, C, H, W) → (B, dim)``. The paper evaluates the teacher (``teacher_backbone``),
        which it finds slightly better."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """The student's g(f(x)) of both views in one batch, for the monitor's probe;
        the teacher and the centre are left alone."""
        return project_views(self.backbone, self.head, views)
