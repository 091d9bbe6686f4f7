"""Embed whole image sets with a trained encoder (no augmentation, batched, with progress)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
from tqdm.auto import tqdm

from contrastkit.augment import EvalTransform, SimCLRRecipe


def eval_transform(info: Mapping[str, Any], device: torch.device) -> EvalTransform:
    """The evaluation transform of a trained run, from its checkpoint's ``input`` record.

    ``info`` holds ``channels``, ``image_size``, ``mean`` and ``std`` as training saw them;
    images are scaled to [0, 1] and normalised the same way (and, if another size, resized
    and centre-cropped to ``image_size``). uint8 ``(B, C, H, W)`` → float32 on ``device``.
    """
    recipe = SimCLRRecipe(
        size=int(info["image_size"]), mean=tuple(info["mean"]), std=tuple(info["std"])
    )
    return EvalTransform(recipe, int(info["channels"])).to(device)


@torch.no_grad()
def embed_images(
    encoder: Callable[[torch.Tensor], torch.Tensor],
    data: Any,  # ImageArrays, or a Dataset of (uint8 (C, H, W), label)
    prepare: Callable[[torch.Tensor], torch.Tensor],
    *,
    device: torch.device,
    batch_size: int = 512,
    progress: bool = True,
    desc: str = "embedding",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features ``(N, dim)`` (float32, CPU) and labels ``(N,)`` (−1 where unlabelled)."""
    feats, labels = [], []
    batches = _batches(data, batch_size)
    total = -(-len(data) // batch_size)  # ceil: the bar shows how far along it is
    for images, y in tqdm(batches, desc=desc, total=total, disable=not progress, leave=False):
        feats.append(encoder(prepare(images.to(device))).float().cpu())
        labels.append(y)
    return torch.cat(feats), torch.cat(labels)


def _batches(data: Any, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    images = getattr(data, "images", None)
    if isinstance(images, torch.Tensor):
        n = images.shape[0]
        all_labels = data.labels if data.labels is not None else torch.full((n,), -1)
        for i in range(0, n, batch_size):
            yield images[i : i + batch_size], all_labels[i : i + batch_size]
        return
    # its own generator: embedding mid-run must not draw from the training run's RNG stream
    loader = torch.utils.data.DataLoader(
        data, batch_size=batch_size, shuffle=False, generator=torch.Generator()
    )
    yield from loader
