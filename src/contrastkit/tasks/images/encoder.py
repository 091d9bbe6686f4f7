"""An image backbone with the evaluation transform it was trained with: the image Encoder.

Exported as ``backbone.safetensors`` + ``card.json`` (format ``contrastkit-backbone/1``): the
backbone's name and options rebuild the network, ``input`` (channels, image size, mean, std)
the transform. Imports no part of the training engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from contrastkit.data.decode import MAX_PIXELS
from contrastkit.encoders import InputError, save_module_export
from contrastkit.nn import backbone_dim, build_backbone
from contrastkit.nn.memory_format import use_channels_last
from contrastkit.tasks.images.embed import embed_images, eval_transform
from contrastkit.types import Items

if TYPE_CHECKING:
    from contrastkit.explain.parts import Parts

FORMAT = "contrastkit-backbone/1"
PATCHES = 7  # about this many patches a side when an explanation splits an image
PREVIEW = 96  # pixels a side of a search result's picture
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
        task: the task that trained it, written to the export's card (a video task's frame
            encoder is an image encoder too).
    """

    inputs = "images"
    request_inputs = ("file",)  # a service request carries an image file (encoders.ParsesInputs)

    def __init__(
        self,
        backbone: nn.Module,
        *,
        spec: Mapping[str, Any],
        input: Mapping[str, Any],
        device: torch.device,
        task: str = "images",
    ) -> None:
        self.backbone = backbone.to(device).eval()
        self.spec, self.input, self.device, self.task = dict(spec), dict(input), device, task
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

    def parse(self, value: str | bytes, *, max_pixels: int | None = None) -> torch.Tensor:
        """An image file's bytes → uint8 ``(C, S, S)`` at the training size (untrusted input:
        only known formats, the pixel count checked from the header before decoding)."""
        import io

        from contrastkit.data.decode import TooManyPixels, decode_image, pillow

        if isinstance(value, str):
            raise InputError("this encoder embeds images; send an image file, not text")
        _, errors = pillow()
        channels, size = int(self.input["channels"]), int(self.input["image_size"])
        try:
            return decode_image(
                io.BytesIO(value), channels=channels, size=size, max_pixels=max_pixels or MAX_PIXELS
            )
        except TooManyPixels as e:
            raise InputError(f"image too large: {e}", too_large=True) from None
        except errors as e:
            raise InputError(
                f"not an image this encoder can read ({type(e).__name__}: {e})"
            ) from None

    def parts(self, image: torch.Tensor) -> Parts:
        """An image ``(C, H, W)`` (uint8 or [0, 1] float) as square patches to explain
        (:class:`~contrastkit.explain.ExplainsParts`): attributions are taken over the
        normalised pixels at the training size, about ``PATCHES`` patches a side; the
        baseline is a black image (integrated gradients' usual choice for pictures: where the
        image is black, nothing is attributed)."""
        from contrastkit.explain.parts import Parts

        if not isinstance(image, torch.Tensor) or image.dim() != 3:
            raise InputError("explain one image at a time, a (C, H, W) tensor")
        with torch.no_grad():
            x = self.prepare(image.unsqueeze(0).to(self.device))[0].float()  # (C, S, S)
        size = x.shape[-1]
        patch = -(-size // PATCHES)
        rows = -(-size // patch)
        index = torch.arange(size, device=x.device) // patch
        part_of = (index[:, None] * rows + index[None, :]).expand_as(x).contiguous()
        mean = torch.tensor(self.input["mean"], device=x.device).view(-1, 1, 1)
        std = torch.tensor(self.input["std"], device=x.device).view(-1, 1, 1)
        picture = ((x * std + mean).clamp(0, 1) * 255).round().to(torch.uint8)
        return Parts(
            inputs=x,
            baseline=((0 - mean) / std).expand_as(x).contiguous(),
            part_of=part_of,
            labels=[f"row {r + 1} col {c + 1}" for r in range(rows) for c in range(rows)],
            embed=lambda batch: self.backbone(batch).float(),
            baseline_name="a black image",
            grid=(rows, rows),
            picture=picture.permute(1, 2, 0).cpu(),
        )

    def cost(self, image: torch.Tensor) -> int:
        """The service's batch budget in token-like units: one per 256 values of the image as
        the encoder sees it (a ViT's 16×16 patch of one channel)."""
        return max(1, int(self.input["channels"]) * int(self.input["image_size"]) ** 2 // 256)

    def read(self, source: str, split: str = "train") -> Items:
        """The images of ``source`` at this encoder's training size (unreadable files skipped)."""
        from contrastkit.data.sources import image_items

        return image_items(source, split, image_size=int(self.input["image_size"]), on_error="skip")

    def item(self, items: Items, i: int) -> torch.Tensor:
        """Image ``i`` of ``items``, uint8 ``(C, H, W)``."""
        return _image_at(items.part(i, i + 1).items)

    def preview(self, items: Items, i: int) -> dict[str, str]:
        """Item ``i`` as a PNG data URI, at most ``PREVIEW`` pixels a side."""
        import base64
        import io

        from PIL import Image

        pixels = self.item(items, i).permute(1, 2, 0).numpy()
        picture = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
        picture.thumbnail((PREVIEW, PREVIEW))
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        return {"image": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()}

    def _features(self, prepared: list[torch.Tensor]) -> torch.Tensor:
        if not prepared:
            return torch.empty(0, self.dim)
        return torch.cat([self.backbone(x).float().cpu() for x in prepared])  # (N, dim)

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        card = {
            "format": FORMAT,
            "task": self.task,
            **self.spec,
            "feature_dim": self.dim,
            "input": self.input,
            **(card or {}),
        }
        return save_module_export(directory, self.backbone, WEIGHTS, card, overwrite=overwrite)


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
    return ImageEncoder(
        backbone, spec=spec, input=info, device=device, task=card.get("task", "images")
    )


def spec_of(card: Mapping[str, Any]) -> dict[str, Any]:
    """``backbone``, ``backbone_options`` and ``channels_last`` of a card; cards written
    before ``channels_last`` was recorded have it in their ``config``."""
    trained_with = card.get("config", {}).get("model", {})
    return {
        "backbone": card["backbone"],
        "backbone_options": dict(card.get("backbone_options", {})),
        "channels_last": bool(card.get("channels_last", trained_with.get("channels_last", False))),
    }


def _image_at(one: Any) -> torch.Tensor:
    """The single image of a one-item collection (ImageArrays, or a dataset of (image, label))."""
    images = getattr(one, "images", None)
    return images[0] if isinstance(images, torch.Tensor) else one[0][0]
