"""Frames of videos, decoded with OpenCV (the ``[video]`` extra, headless).

Source: ``video:PATH[,PATH…]`` — video files (``.avi``, ``.mp4``, ``.mkv``, ``.mov``,
``.webm``, …) or folders of them. A relative path that does not exist is looked for in the
shared data's ``video/`` folder (``video:vtest.avi,Megamind.avi`` reads the two real videos
the project ships beside it). Every frame is resized to ``size × size`` pixels (INTER_AREA,
the aspect ratio not kept: a frame encoder sees whole frames) and kept as uint8 RGB; with
``frame_step`` k only every k-th frame is kept, and frame times stay those of the video, so a
window of w frames means w frames of the original video whatever k is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.shared import shared_data_dir

SUFFIXES = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")


@dataclass(frozen=True)
class VideoFrames:
    """``frames`` uint8 ``(N, 3, S, S)``; for each frame its ``video`` (index into ``names``)
    and its ``time`` (frame number in that video), both int64 ``(N,)``; ``fps`` per video."""

    frames: torch.Tensor
    video: torch.Tensor
    time: torch.Tensor
    names: list[str]
    fps: list[float]

    def __len__(self) -> int:
        return len(self.frames)

    def ids(self) -> list[str]:
        """One id per frame: ``NAME#FRAME``."""
        return [
            f"{self.names[v]}#{t}"
            for v, t in zip(self.video.tolist(), self.time.tolist(), strict=True)
        ]


def opencv() -> Any:
    """The ``cv2`` module, or one line saying how to install it."""
    try:
        import cv2
    except ImportError:
        raise ImportError(
            "reading video needs OpenCV: pip install 'contrastkit[video]' (opencv-python-headless)"
        ) from None
    return cv2


def video_paths(source: str) -> list[Path]:
    """The video files ``video:PATH[,PATH…]`` names, in order (a folder's sorted by name)."""
    kind, _, rest = source.partition(":")
    if kind != "video" or not rest:
        raise ValueError(f"unknown video source {source!r}; use video:PATH[,PATH…]")
    paths: list[Path] = []
    for part in filter(None, (p.strip() for p in rest.split(","))):
        path = _resolve(part)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
            if not found:
                raise DatasetNotFoundError(f"{path} holds no video ({', '.join(SUFFIXES)})")
            paths.extend(found)
        else:
            paths.append(path)
    if not paths:
        raise ValueError(f"video source {source!r} names no file")
    return paths


def load_video(
    source: str, *, size: int = 64, frame_step: int = 1, progress: bool = False
) -> VideoFrames:
    """Every ``frame_step``-th frame of the videos of ``source`` at ``size`` pixels."""
    if size < 8 or frame_step < 1:
        raise ValueError(f"size must be >= 8 and frame_step >= 1, got {size} and {frame_step}")
    frames, video, time, names, fps = [], [], [], [], []
    for v, path in enumerate(video_paths(source)):
        pictures, times, rate = read_frames(path, size, frame_step, progress=progress)
        frames.append(pictures)
        video.append(np.full(len(times), v))
        time.append(times)
        names.append(path.name)
        fps.append(rate)
    return VideoFrames(
        torch.from_numpy(np.concatenate(frames)).permute(0, 3, 1, 2).contiguous(),
        torch.from_numpy(np.concatenate(video)).long(),
        torch.from_numpy(np.concatenate(time)).long(),
        names,
        fps,
    )


def read_frames(
    path: Path, size: int, frame_step: int = 1, *, progress: bool = False
) -> tuple[np.ndarray, np.ndarray, float]:
    """``(frames uint8 (n, S, S, 3) RGB, frame numbers (n,), fps)`` of one video file."""
    cv2 = opencv()
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise ValueError(f"{path}: OpenCV cannot open it as a video")
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        rate = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        pictures, times = [], []
        bar = tqdm(total=total, desc=f"decode {path.name}", unit="frame", disable=not progress)
        number = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if number % frame_step == 0:
                small = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
                pictures.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
                times.append(number)
            number += 1
            bar.update(1)
        bar.close()
    finally:
        capture.release()
    if not pictures:
        raise ValueError(f"{path}: no frame could be decoded (not a video OpenCV reads?)")
    return np.stack(pictures), np.asarray(times, dtype=np.int64), rate


def _resolve(part: str) -> Path:
    """``part`` as given, else (relative) in the shared data's video folder."""
    path = Path(part).expanduser()
    if path.exists():
        return path
    if not path.is_absolute():
        try:
            shared = shared_data_dir() / "video" / part
        except DatasetNotFoundError:
            shared = None
        if shared is not None and shared.exists():
            return shared
    raise FileNotFoundError(f"{path} does not exist")
