"""Held-out frames, clip layout, partners and the exclusion window of the video stream."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from contrastkit.data.video import VideoFrames
from contrastkit.negatives import within_window
from contrastkit.tasks.video.frames import ClipLayout, split_frames
from contrastkit.tasks.video.views import VideoStream


def frames_of(lengths: list[int], step: int = 1) -> VideoFrames:
    video = torch.cat([torch.full((n,), v) for v, n in enumerate(lengths)])
    time = torch.cat([torch.arange(n) * step for n in lengths])
    pictures = torch.zeros(len(video), 3, 8, 8, dtype=torch.uint8)
    return VideoFrames(pictures, video, time, [f"v{v}" for v in range(len(lengths))], [])


@given(st.lists(st.integers(3, 40), min_size=1, max_size=4), st.integers(2, 7))
def test_held_out_frames_never_train_and_have_training_frames_on_both_sides(lengths, every):
    data = frames_of(lengths)
    train, held = split_frames(data, every)
    assert set(train.tolist()).isdisjoint(held.tolist())
    assert sorted(train.tolist() + held.tolist()) == list(range(len(data)))
    for row in held.tolist():  # the frame before, and the one after if any, train
        assert row - 1 in train and data.video[row - 1] == data.video[row]
        if row + 1 < len(data) and data.video[row + 1] == data.video[row]:
            assert row + 1 in train


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(12, 30), min_size=1, max_size=3),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 3),
)
def test_clips_stay_in_one_video_and_partners_within_reach(lengths, length, stride, reach):
    data = frames_of(lengths)
    train, _ = split_frames(data, 5)
    layout = ClipLayout.of(data.video, train, length, stride)
    anchors = layout.anchors(torch.arange(len(layout.starts)))
    rows = layout.rows[anchors].view(-1, length)
    assert (data.video[rows] == data.video[rows[:, :1]]).all()  # one video per clip
    assert (anchors.view(-1, length).diff(dim=1) == stride).all()
    partners = layout.partners(anchors, reach)
    assert ((partners - anchors).abs() <= reach).all()
    assert (data.video[layout.rows[partners]] == data.video[layout.rows[anchors]]).all()


def test_a_clip_longer_than_every_video_is_one_clear_error():
    data = frames_of([6])
    train, _ = split_frames(data, 5)
    try:
        ClipLayout.of(data.video, train, 4, 2)
    except ValueError as e:
        assert "data.clip_length" in str(e)
    else:
        raise AssertionError("no error")


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 12), st.integers(0, 1000))
def test_the_stream_never_leaves_a_negative_inside_the_window(window, seed):
    data = frames_of([60, 45], step=2)  # frame numbers 0, 2, 4, … (frame_step 2)
    train, _ = split_frames(data, 5)
    layout = ClipLayout.of(data.video, train, 4, 2)
    stream = VideoStream(
        data.frames, data.video, data.time, layout, nn.Identity(),
        positive_range=2, window=window, batch_size=16, seed=seed, rank=0, world=1,
        device=torch.device("cpu"),
    )  # fmt: skip
    torch.manual_seed(seed)
    for views in stream.epoch(0):
        assert views.first.shape == (16, 3, 8, 8)
        if window == 0:
            assert views.exclude is None
            continue
        near = within_window(views.ids, views.times, views.ids, views.times, window)
        assert torch.equal(views.exclude, near)  # exactly the pairs inside the window
        close = (views.times.view(-1, 1) - views.times.view(1, -1)).abs() <= window
        same = views.ids.view(-1, 1) == views.ids.view(1, -1)
        assert not (close & same & ~views.exclude).any()
