"""The series Encoder: a trained dilated-conv encoder with its input convention, exported as
``series.safetensors`` + ``card.json`` (format ``contrastkit-series/1``). Imports no training
code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from contrastkit.encoders import save_module_export
from contrastkit.nn import backbone_dim
from contrastkit.nn.dilated_conv import DilatedConvEncoder

if TYPE_CHECKING:
    from contrastkit.explain.parts import Parts

FORMAT = "contrastkit-series/1"
WEIGHTS = "series.safetensors"
SEGMENTS = 32  # about this many parts when an explanation splits a series in time


def standardize(x: torch.Tensor) -> torch.Tensor:
    """z-normalise every series per channel over time (flat channels stay 0)."""
    mean, std = x.mean(dim=-1, keepdim=True), x.std(dim=-1, keepdim=True)
    return (x - mean) / std.clamp(min=1e-8)


class SeriesEncoder:
    """Series → representations ``(N, dim)``: a batch ``(N, C, T)``, or a sequence of
    ``(C, T)`` series of any lengths (each encoded at its own length)."""

    inputs = "series"

    def __init__(self, backbone: nn.Module, spec: Mapping[str, Any], device: torch.device) -> None:
        self.backbone = backbone.to(device).eval()
        self.spec, self.device, self.dim = dict(spec), device, backbone_dim(backbone)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.device, torch.float32)
        return standardize(x) if self.spec.get("standardize", True) else x

    @torch.no_grad()
    def encode(self, items: Any, *, batch_size: int = 256, progress: bool = False) -> torch.Tensor:
        if isinstance(items, torch.Tensor):
            batch = items.unsqueeze(0) if items.dim() == 2 else items
            chunks = [self.backbone(self._prepare(c)) for c in batch.split(batch_size)]
        elif isinstance(items, Sequence):
            chunks = [self.backbone(self._prepare(torch.as_tensor(s)[None])) for s in items]
        else:
            raise TypeError(
                f"encode takes a (N, C, T) tensor or a list of (C, T) series, got {type(items).__name__}"
            )
        return torch.cat(chunks).float().cpu() if chunks else torch.empty(0, self.dim)

    def parts(self, series: torch.Tensor) -> Parts:
        """A series ``(C, T)`` as about ``SEGMENTS`` spans of time steps to explain; the
        baseline is 0 everywhere (the mean, after standardising)."""
        from contrastkit.explain.parts import Parts

        x = self._prepare(torch.as_tensor(series)[None])[0]  # (C, T)
        length = x.shape[-1]
        width = -(-length // SEGMENTS)
        segment = torch.arange(length, device=x.device) // width
        labels = [
            f"t {s * width}–{min(length, (s + 1) * width) - 1}" for s in range(int(segment[-1]) + 1)
        ]
        return Parts(
            inputs=x,
            baseline=torch.zeros_like(x),
            part_of=segment.expand_as(x).contiguous(),
            labels=labels,
            embed=lambda batch: self.backbone(batch).float(),
            baseline_name="zero (the series' mean)",
        )

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        card = {"format": FORMAT, "task": "series", **self.spec, "dim": self.dim, **(card or {})}
        return save_module_export(directory, self.backbone, WEIGHTS, card, overwrite=overwrite)


def build_backbone(spec: Mapping[str, Any]) -> DilatedConvEncoder:
    return DilatedConvEncoder(
        int(spec["in_channels"]),
        hidden=int(spec["hidden"]),
        depth=int(spec["depth"]),
        dim=int(spec["dim"]),
    )


def load(directory: Path, card: Mapping[str, Any], device: torch.device) -> SeriesEncoder:
    """The :class:`SeriesEncoder` of an export (``encoders.load_encoder`` calls this)."""
    from safetensors.torch import load_file

    spec = {k: card[k] for k in ("in_channels", "hidden", "depth", "dim", "standardize")}
    backbone = build_backbone(spec)
    backbone.load_state_dict(load_file(directory / WEIGHTS))
    return SeriesEncoder(backbone, spec, device)
