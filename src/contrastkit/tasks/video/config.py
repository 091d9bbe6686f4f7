"""Settings of the video task: the shared run settings plus data, model, negatives, eval."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from contrastkit.engine.settings import OptimSettings, RunConfig, Strict
from contrastkit.tasks.negatives import NegativesSettings


class VideoDataSettings(Strict):
    source: str = "video:vtest.avi,Megamind.avi"  # video:PATH[,PATH…]: files or folders
    image_size: int = Field(default=64, ge=8)  # frames are resized to this square
    frame_step: int = Field(default=1, ge=1)  # keep every k-th frame (times stay the video's)
    holdout_every: int = Field(default=5, ge=2)  # every n-th frame is kept out of training
    clip_length: int = Field(default=4, ge=1)  # anchors of one clip in a batch
    stride: int = Field(default=2, ge=1)  # training frames between a clip's anchors
    positive_range: int = Field(default=2, ge=0)  # a partner lies within ± this many frames
    crop_scale: tuple[float, float] = (0.3, 1.0)
    flip_p: float = Field(default=0.5, ge=0, le=1)
    jitter_strength: float = Field(default=0.5, ge=0, le=2.5)
    grayscale_p: float = Field(default=0.2, ge=0, le=1)


class VideoModelSettings(Strict):
    backbone: str = "small_cnn"  # any image backbone (nn.BACKBONES)
    # small_cnn keeps its last 4×4 map: where people are in the frame is what changes over
    # time (global pooling: 4–6% temporal retrieval through a camera change; 4×4: 33–35%)
    backbone_options: dict[str, Any] = Field(default_factory=lambda: {"grid": 4})
    projection_hidden: int = Field(default=256, ge=1)
    projection_dim: int = Field(default=128, ge=1)


class VideoEvalSettings(Strict):
    # a held-out frame is retrieved well when its nearest training frame lies in the same
    # video within this many frames
    within: int = Field(default=5, ge=0)
    # also score queries seen through a camera change: a crop keeping this share of the
    # frame and brightness/contrast/saturation/hue jitter of this strength (None: skip)
    query_crop: tuple[float, float] | None = (0.7, 1.0)
    query_jitter: float = Field(default=0.4, ge=0, le=2.5)


class VideoOptimSettings(OptimSettings):
    lr: float = Field(default=1e-3, gt=0)
    batch_size: int = Field(default=64, ge=2)


class VideoConfig(RunConfig):
    task: Literal["video"] = "video"
    method: Literal["frame_contrast"] = "frame_contrast"
    temperature: float = Field(default=0.1, gt=0)
    data: VideoDataSettings = VideoDataSettings()
    model: VideoModelSettings = VideoModelSettings()
    negatives: NegativesSettings = NegativesSettings()
    eval: VideoEvalSettings = VideoEvalSettings()
    optim: VideoOptimSettings = VideoOptimSettings()

    DEFAULT_EPOCHS: ClassVar[int] = 20

    @model_validator(mode="after")
    def _whole_clips_per_batch(self) -> VideoConfig:
        if self.optim.batch_size % self.data.clip_length:
            raise ValueError(
                f"optim.batch_size {self.optim.batch_size} must be a multiple of "
                f"data.clip_length {self.data.clip_length}"
            )
        return self
