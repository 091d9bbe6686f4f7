"""Reading videos with OpenCV: frame order and times, frame_step, folders, the shared
videos, and one clear error for what is not a video."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from contrastkit.data.errors import DatasetNotFoundError
from contrastkit.data.sources import image_items
from contrastkit.data.video import load_video, video_paths

cv2 = pytest.importorskip("cv2", reason="the [video] extra (opencv-python-headless)")


def write_video(path, n: int, size=(40, 30)) -> None:
    """n flat frames whose grey level is 10·i (MJPG keeps flat colours to within a level)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, size)
    for i in range(n):
        writer.write(np.full((size[1], size[0], 3), 10 * i, dtype=np.uint8))
    writer.release()


def test_frames_come_in_order_with_their_times_and_every_kth(tmp_path):
    write_video(tmp_path / "a.avi", 12)
    data = load_video(f"video:{tmp_path / 'a.avi'}", size=8)
    assert data.frames.shape == (12, 3, 8, 8) and data.names == ["a.avi"]
    assert data.time.tolist() == list(range(12)) and data.fps == [5.0]
    levels = data.frames.float().mean(dim=(1, 2, 3))
    assert (levels - 10 * data.time).abs().max() <= 2

    step = load_video(f"video:{tmp_path / 'a.avi'}", size=8, frame_step=5)
    assert step.time.tolist() == [0, 5, 10]
    assert step.ids() == ["a.avi#0", "a.avi#5", "a.avi#10"]


def test_a_folder_and_a_list_of_videos_are_read_video_after_video(tmp_path):
    write_video(tmp_path / "b.avi", 3)
    write_video(tmp_path / "a.avi", 4)
    (tmp_path / "notes.txt").write_text("not a video")
    folder = load_video(f"video:{tmp_path}", size=8)
    assert folder.names == ["a.avi", "b.avi"] and folder.video.tolist() == [0] * 4 + [1] * 3
    listed = load_video(f"video:{tmp_path / 'b.avi'},{tmp_path / 'a.avi'}", size=8)
    assert listed.names == ["b.avi", "a.avi"] and listed.time.tolist() == [0, 1, 2, 0, 1, 2, 3]


def test_the_shared_videos_are_found_by_name():
    paths = video_paths("video:vtest.avi,Megamind.avi")
    assert [p.name for p in paths] == ["vtest.avi", "Megamind.avi"]
    data = load_video("video:Megamind.avi", size=16, frame_step=30)
    assert len(data) == 9 and data.frames.dtype == torch.uint8  # 270 frames, every 30th


def test_what_is_not_a_video_is_one_clear_error(tmp_path):
    (tmp_path / "fake.avi").write_text("hello")
    with pytest.raises(ValueError, match=r"fake\.avi"):
        load_video(f"video:{tmp_path / 'fake.avi'}")
    with pytest.raises(FileNotFoundError, match=r"nowhere\.avi"):
        load_video("video:nowhere.avi")
    with pytest.raises(DatasetNotFoundError, match="holds no video"):
        (tmp_path / "empty").mkdir()
        load_video(f"video:{tmp_path / 'empty'}")
    with pytest.raises(ValueError, match="video:PATH"):
        load_video("movie:x.avi")


def test_frames_are_image_items_for_search_and_serving(tmp_path):
    write_video(tmp_path / "a.avi", 5)
    items = image_items(f"video:{tmp_path / 'a.avi'}", image_size=16)
    assert items.ids == [f"a.avi#{i}" for i in range(5)]
    assert items.items.images.shape == (5, 3, 16, 16) and items.columns["labels"] == [0] * 5
