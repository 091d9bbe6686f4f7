"""The Method contract: what the training loop, the monitor and the builders may ask of a method.

A method is an ``nn.Module`` that composes an encoder, heads and a loss. The loop needs two
things of it (:class:`Method`); everything else is an optional protocol of its own, asked with
``isinstance`` where it matters and never guessed at with ``hasattr``:

=======================  ============================================  =====================
protocol                 what the method provides                      who asks
=======================  ============================================  =====================
:class:`Method`          ``training_step(batch)``, ``encoder``          loop, export, eval
:class:`EMATarget`       ``base_momentum``, ``update_target(m)``        loop (after a step)
:class:`StepHook`        ``before_optimizer_step(step)``                loop (before a step)
:class:`Projects`        ``project(batch) -> (z1, z2)``, no side effect  monitor (probe batch)
:class:`NeedsLabels`     ``needs_labels = True`` on the class           the task's builder
:class:`MultiCrop`       ``multi_crop = True`` on the class             the task's builder
=======================  ============================================  =====================

:func:`check_method` runs when a run is built, so a class that breaks the contract fails
there with one line instead of deep inside the loop. The loop calls ``training_step``
itself (through a thin wrapper when DDP needs a ``forward``), so a method defines no
``forward``.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, cast, runtime_checkable

import torch
from torch import nn

from contrastkit.types import StepOutput


@runtime_checkable
class Method(Protocol):
    """What the loop needs: one training step, and the encoder kept after training."""

    def training_step(self, batch: Any) -> StepOutput:
        """The loss of one batch (with its graph) and the detached embeddings the loss
        compared (for monitoring); ``StepOutput.metrics`` may add numbers to the log."""
        ...

    @property
    def encoder(self) -> nn.Module:
        """The network used after training: inputs → representations ``(B, dim)``."""
        ...


@runtime_checkable
class EMATarget(Protocol):
    """A method with a momentum (EMA) target network: MoCo, BYOL, DINO.

    The loop calls ``update_target(m)`` after every optimiser step, with m rising from
    ``base_momentum`` to 1 on BYOL's cosine over the run (engine/run.py).
    """

    base_momentum: float

    def update_target(self, momentum: float) -> None:
        """θ_target ← m·θ_target + (1 − m)·θ_online."""
        ...


@runtime_checkable
class StepHook(Protocol):
    """A method that acts between backward and the optimiser step (gradients complete and,
    under DDP, all-reduced), e.g. to drop the gradients of a part it keeps frozen for a while
    (DINO's last layer, SwAV's prototypes)."""

    def before_optimizer_step(self, step: int) -> None: ...


@runtime_checkable
class Projects(Protocol):
    """A method that can embed any batch the way its loss sees it, without side effects.

    ``project(batch)`` returns the projections ``(z1, z2)`` of the batch's two views (or
    columns) that the loss would compare, and must leave every queue, centre, EMA target and
    counter as it was: the monitor calls it on a fixed probe batch every few steps.
    """

    def project(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]: ...


@runtime_checkable
class NeedsLabels(Protocol):
    """A method that trains on class labels (SupCon): its data must be fully labelled."""

    needs_labels: Literal[True]


@runtime_checkable
class MultiCrop(Protocol):
    """A method that uses small crops beside the two large views (SwAV, DINO)."""

    multi_crop: Literal[True]


class MethodContractError(TypeError):
    """A method class that does not provide what :class:`Method` asks."""


def check_method(method: object) -> None:
    """Raise :class:`MethodContractError` (one line) unless ``method`` is a usable method."""
    name = type(method).__name__
    if not isinstance(method, nn.Module):
        raise MethodContractError(f"{name} is not an nn.Module; a method must be one")
    missing = [m for m in ("training_step", "encoder") if not _provides(method, m)]
    if missing:
        raise MethodContractError(
            f"{name} does not follow the method contract (contrastkit/methods/base.py): "
            f"it lacks {' and '.join(missing)}"
        )
    if not isinstance(method.encoder, nn.Module):
        raise MethodContractError(f"{name}.encoder must be an nn.Module")


def encoder_of(method: nn.Module) -> nn.Module:
    """``method.encoder`` (the :class:`Method` contract), typed as the module it is."""
    return cast(Method, method).encoder


def _provides(method: nn.Module, member: str) -> bool:
    # Protocol membership, spelled out so the error can name what is missing; nn.Module's
    # __getattr__ resolves submodules, so an encoder held as a child counts.
    try:
        getattr(method, member)
    except AttributeError:
        return False
    return True
