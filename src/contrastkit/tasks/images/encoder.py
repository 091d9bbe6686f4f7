"""An image backbone with the evaluation transform it was trained with: the image Encoder.

Exported as ``backbone.safetensors`` + ``card.json`` (format ``contrastkit-backbone/1``): the
backbone's name and options rebuild the network, ``input`` (channels, image size, mean, std)
the transform. Imports no part of the training engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from contrastkit.encoders import export_directory, write_card
from contrastkit.nn import backbone_dim, build_backbone
from contrastkit.nn.memory_format import use_channels_last
from contrastkit.tasks.images.embed import embed_images, eval_transform

FORMAT = "contrastkit-backbone/1"
WEIGHTS = "backbone.safetensors"


class ImageEncoder:
    """Images → representations ``(N, dim)`` of a trained backbone, in eval mode.

    ``encode`` takes :class:`~contrastkit.data.ImageArrays`, a dataset of ``(image, label)``
    (an image folder), a uint8 or [0, 1] float batch ``(N, C, H, W)``, or a sequence of
    ``(C, H, W)`` images of any sizes; each is resized and centre-cropped to the training
    size and normalised as in training.

    Args:
        backbone: the trained network (``.dim`` wide); put in eval mode here.
        spec: how to rebuild it: ``backbone`` (name), ``backbone_options``, ``channels_last``.
        input: ``channels``, ``image_size``, ``mean``, ``std`` as training saw them.
        device: where to run.
    """

    inputs = "images"

    def __init__(
        self,
        backbone: nn.Module,
        *,
        spec: Mapping[str, Any],
        input: Mapping[str, Any],
        device: torch.device,
    ) -> None:
        self.backbone = backbone.to(device).eval()
        self.spec, self.input, self.device = dict(spec), dict(input), device
        self.dim = backbone_dim(backbone)
        self.prepare = eval_transform(self.input, device)

    @torch.no_grad()
    def encode(self, items: Any, *, batch_size: int = 256, progress: bool = False) -> torch.Tensor:
        if isinstance(items, torch.Tensor):  # one image (C, H, W) or a batch (N, C, H, W)
            batch = items.unsqueeze(0) if items.dim() == 3 else items
            chunks = [batch[i : i + batch_size] for i in range(0, len(batch), batch_size)]
            return self._features([self.prepare(c.to(self.device)) for c in chunks])
        if isinstance(items, list | tuple):  # (C, H, W) images, each of its own size
            images: list[torch.Tensor] = list(items)
            groups = [images[i : i + batch_size] for i in range(0, len(images), batch_size)]
            return self._features(
                [torch.stack([self.prepare(x.to(self.device)) for x in g]) for g in groups]
            )
        features, _ = embed_images(
            self.backbone,
            items,
            self.prepare,
            device=self.device,
            batch_size=batch_size,
            progress=progress,
        )
        return features

    def _features(self, prepared: list[torch.Tensor]) -> torch.Tensor:
        if not prepared:
            return torch.empty(0, self.dim)
        return torch.cat([self.backbone(x).float().cpu() for x in prepared])  # (N, dim)

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        from safetensors.torch import save_file

        tensors = {k: v.detach().cpu().contiguous() for k, v in self.backbone.state_dict().items()}
        with export_directory(Path(directory), overwrite=overwrite) as tmp:
            save_file(tensors, str(tmp / WEIGHTS))
            write_card(
                tmp,
                {
                    "format": FORMAT,
                    "task": "images",
                    **self.spec,
                    "feature_dim": self.dim,
                    "input": self.input,
                    **(card or {}),
                },
            )
        return Path(directory)


def load(directory: Path, card: Mapping[str, Any], device: torch.device) -> ImageEncoder:
    """The :class:`ImageEncoder` of an export (``encoders.load_encoder`` calls this)."""
    from safetensors.torch import load_file

    info = card["input"]
    spec = spec_of(card)
    backbone = build_backbone(
        spec["backbone"],
        in_channels=int(info["channels"]),
        image_size=int(info["image_size"]),
        **spec["backbone_options"],
    )
    if spec["channels_last"]:
        use_channels_last(backbone)
    backbone.load_state_dict(load_file(directory / WEIGHTS))
    return ImageEncoder(backbone, spec=spec, input=info, device=device)


def spec_of(card: Mapping[str, Any]) -> dict[str, Any]:
    """``backbone``, ``backbone_options`` and ``channels_last`` of a card; cards written
    before ``channels_last`` was recorded have it in their ``config``."""
    trained_with = card.get("config", {}).get("model", {})
    return {
        "backbone": card["backbone"],
        "backbone_options": dict(card.get("backbone_options", {})),
        "channels_last": bool(card.get("channels_last", trained_with.get("channels_last", False))),
    }
