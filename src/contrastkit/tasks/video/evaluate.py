"""Temporal retrieval of held-out frames, by an encoder and by raw pixels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from contrastkit.data.video import VideoFrames
from contrastkit.evaluation import temporal_retrieval
from contrastkit.tasks.video.config import VideoConfig
from contrastkit.tasks.video.frames import split_frames

AUGMENT_SEED = 0  # the augmented queries are the same for every run scored


def query_augmentation(cfg: VideoConfig) -> nn.Module | None:
    """The camera change held-out queries are seen through (``eval.query_*``): a crop and
    colour jitter, no flip, no grayscale; None when ``eval.query_crop`` is None."""
    from contrastkit.augment import BatchedAugment, SimCLRRecipe

    e = cfg.eval
    if e.query_crop is None:
        return None
    recipe = SimCLRRecipe(
        size=cfg.data.image_size, crop_scale=e.query_crop, flip_p=0.0,
        jitter_strength=e.query_jitter, jitter_p=1.0, grayscale_p=0.0,
    )  # fmt: skip
    return BatchedAugment(recipe, channels=3)


def retrieval_scores(cfg: VideoConfig, data: VideoFrames, encoder: Any) -> dict[str, Any]:
    """``retrieval``: the share of held-out frames whose nearest training frame (by
    ``encoder``'s features) lies in their video within ``eval.within`` frames;
    ``retrieval_augmented``: the same for the held-out frames seen through
    :func:`query_augmentation` (a fixed seed), against the clean training frames."""
    train, held = split_frames(data, cfg.data.holdout_every)
    features = encoder.encode(data.frames)
    score = _scorer(data, train, held, cfg.eval.within)
    scores: dict[str, Any] = {
        "retrieval": score(features[held], features[train]),
        "within": cfg.eval.within,
        "n_queries": len(held),
        "n_database": len(train),
    }
    augment = query_augmentation(cfg)
    if augment is not None:
        scores["retrieval_augmented"] = score(
            encoder.encode(augmented(data.frames[held], augment)), features[train]
        )
    return scores


def augmented(frames: torch.Tensor, augment: nn.Module) -> torch.Tensor:
    """uint8 frames through ``augment`` with a fixed seed, back to uint8 in [0, 255]
    (undoing its normalisation) so any encoder prepares them as it does frames."""
    recipe = augment.recipe
    mean = torch.tensor(recipe.mean).view(1, -1, 1, 1)
    std = torch.tensor(recipe.std).view(1, -1, 1, 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(AUGMENT_SEED)
        x = augment.cpu()(frames.cpu())
    return ((x * std + mean).clamp(0, 1) * 255).round().to(torch.uint8)


def raw_pixel_scores(cfg: VideoConfig, data: VideoFrames) -> dict[str, float]:
    """The same scores with raw pixels as features (the floor a learned encoder must beat)."""
    train, held = split_frames(data, cfg.data.holdout_every)
    pixels = data.frames.flatten(1).float()
    score = _scorer(data, train, held, cfg.eval.within)
    scores = {"retrieval": score(pixels[held], pixels[train])}
    augment = query_augmentation(cfg)
    if augment is not None:
        queries = augmented(data.frames[held], augment).flatten(1).float()
        scores["retrieval_augmented"] = score(queries, pixels[train])
    return scores


def _scorer(
    data: VideoFrames, train: torch.Tensor, held: torch.Tensor, within: int
) -> Callable[[torch.Tensor, torch.Tensor], float]:
    def score(queries: torch.Tensor, database: torch.Tensor) -> float:
        return temporal_retrieval(
            queries, data.video[held], data.time[held],
            database, data.video[train], data.time[train],
            within=within,
        )  # fmt: skip

    return score
