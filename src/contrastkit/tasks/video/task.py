"""The video task: settings, method, data, evaluation and export, as one :class:`Task`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.data.video import VideoFrames, load_video
from contrastkit.engine.config import with_overrides
from contrastkit.engine.run import TrainedRun
from contrastkit.methods.base import encoder_of
from contrastkit.methods.sequence_contrast import SequenceContrast
from contrastkit.nn import build_backbone
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.tasks.images.encoder import FORMAT, ImageEncoder
from contrastkit.tasks.video.config import VideoConfig
from contrastkit.tasks.video.frames import ClipLayout, split_frames
from contrastkit.tasks.video.views import VideoStream
from contrastkit.types import Items

METHODS: dict[str, type[nn.Module]] = {"frame_contrast": SequenceContrast}


def augmentation(cfg: VideoConfig, input: Mapping[str, Any]) -> nn.Module:
    """The training views' augmentation: SimCLR's recipe at the frame size, normalised with
    the training frames' own channel statistics."""
    from contrastkit.augment import BatchedAugment, SimCLRRecipe

    d = cfg.data
    recipe = SimCLRRecipe(
        size=d.image_size,
        crop_scale=d.crop_scale,
        flip_p=d.flip_p,
        jitter_strength=d.jitter_strength,
        grayscale_p=d.grayscale_p,
        mean=tuple(input["mean"]),
        std=tuple(input["std"]),
    )
    return BatchedAugment(recipe, channels=3)


def _frames(cfg: VideoConfig, source: str | None = None) -> VideoFrames:
    d = cfg.data
    return load_video(source or d.source, size=d.image_size, frame_step=d.frame_step)


def _input(cfg: VideoConfig, frames: torch.Tensor) -> dict[str, Any]:
    x = frames.float().div_(255)
    mean = x.mean(dim=(0, 2, 3))
    std = x.std(dim=(0, 2, 3)).clamp(min=1e-3)
    return {
        "channels": 3,
        "image_size": cfg.data.image_size,
        "mean": [round(float(m), 4) for m in mean],
        "std": [round(float(s), 4) for s in std],
    }


def _spec(cfg: VideoConfig) -> dict[str, Any]:
    m = cfg.model
    return {
        "backbone": m.backbone,
        "backbone_options": dict(m.backbone_options),
        "channels_last": False,
    }


def _method(
    cfg: VideoConfig, spec: Mapping[str, Any], input: Mapping[str, Any]
) -> SequenceContrast:
    backbone = build_backbone(
        spec["backbone"],
        in_channels=3,
        image_size=int(input["image_size"]),
        **spec["backbone_options"],
    )
    n = cfg.negatives
    return SequenceContrast(
        backbone,
        projection_hidden=cfg.model.projection_hidden,
        projection_dim=cfg.model.projection_dim,
        temperature=cfg.temperature,
        negatives=n.kind,
        tau_plus=n.tau_plus,
        beta=n.beta,
        gather_distributed=distributed.is_distributed(),
    )


def stream_of(
    cfg: VideoConfig, data: VideoFrames, input: Mapping[str, Any], device: torch.device
) -> VideoStream:
    """The training stream over ``data``'s training frames (also what benchmarks sample)."""
    d = cfg.data
    train_rows, _ = split_frames(data, d.holdout_every)
    return VideoStream(
        data.frames,
        data.video,
        data.time,
        ClipLayout.of(data.video, train_rows, d.clip_length, d.stride),
        augmentation(cfg, input),
        positive_range=d.positive_range,
        window=cfg.negatives.exclusion_window,
        batch_size=cfg.optim.batch_size,
        seed=cfg.seed,
        rank=distributed.rank(),
        world=distributed.world_size(),
        device=device,
    )


class VideoTask:
    """Video: contrast between nearby frames (``frame_contrast``) decoded with OpenCV from
    ``video:PATH``, with a temporal exclusion window; evaluated by temporal retrieval of
    held-out frames; exported as an image encoder of frames (``contrastkit-backbone/1``)."""

    name = "video"
    unit = "frames"
    config = VideoConfig
    methods = METHODS
    export_format = FORMAT

    def check(self, cfg: VideoConfig) -> None:
        from contrastkit.data.video import opencv

        opencv()  # one line naming the extra, before any run directory exists

    def build(self, cfg: VideoConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        data = _frames(cfg)
        train_rows, _ = split_frames(data, cfg.data.holdout_every)
        input, spec = _input(cfg, data.frames[train_rows]), _spec(cfg)
        record = {
            "spec": spec,
            "input": input,
            "data": {"source": cfg.data.source, "frames": len(data), "videos": data.names},
        }
        stream = stream_of(cfg, data, input, device)
        return TrainingParts(_method(cfg, spec, input).to(device), stream, record)

    def monitor(
        self, cfg: VideoConfig, parts: TrainingParts, settings: Any, device: torch.device
    ) -> None:
        return None  # the loop still logs alignment and uniformity of every logged step

    def restore(self, cfg: VideoConfig, record: Mapping[str, Any]) -> nn.Module:
        return _method(cfg, record["spec"], record["input"])

    def encoder(self, run: TrainedRun, device: torch.device) -> ImageEncoder:
        return ImageEncoder(
            encoder_of(run.method),
            spec=run.record["spec"],
            input=run.record["input"],
            device=device,
            task="video",
        )

    def read_items(self, cfg: VideoConfig, source: str | None, split: str) -> Items:
        if split != "train":
            raise ValueError(f"video sources have one split, 'train' (every frame), got {split!r}")
        data = _frames(cfg, source)
        return Items(data.ids(), data.frames, {"labels": data.video.tolist()})

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        from contrastkit.tasks.video.evaluate import retrieval_scores

        cfg: VideoConfig = with_overrides(run.config, overrides)
        frames = _frames(cfg, data)
        encoder = self.encoder(run, device)
        scores = retrieval_scores(cfg, frames, encoder)
        scores["step"] = run.step
        summary = (
            f"temporal retrieval (nearest training frame within {cfg.eval.within} frames) "
            f"{scores['retrieval']:.2%}"
        )
        if "retrieval_augmented" in scores:
            summary += f", {scores['retrieval_augmented']:.2%} through a camera change"
        return Evaluation(scores, f"{summary} ({scores['n_queries']} held-out frames)")


TASK = VideoTask()
