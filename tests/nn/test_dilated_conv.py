"""The dilated-convolution series encoder: shapes, any length, and its receptive field."""

from __future__ import annotations

import pytest
import torch

from contrastkit.nn.dilated_conv import DilatedConvEncoder


def test_any_length_and_channels_give_one_vector_a_series():
    encoder = DilatedConvEncoder(3, hidden=8, depth=3, dim=16)
    for length in (1, 7, 50):
        x = torch.randn(4, 3, length)
        assert encoder(x).shape == (4, 16) and encoder.timestamps(x).shape == (4, 16, length)
    torch.testing.assert_close(encoder(x), encoder.timestamps(x).amax(dim=2))


def test_a_change_at_one_step_reaches_only_the_receptive_field():
    torch.manual_seed(0)
    depth = 3  # dilations 1, 2, 4 and the output block's 8: two convolutions each
    encoder = DilatedConvEncoder(1, hidden=4, depth=depth, dim=4).eval()
    reach = sum(2 * 2**i for i in range(depth + 1))  # 30 steps each side
    x = torch.randn(1, 1, 101)
    y = x.clone()
    y[0, 0, 50] += 1.0
    changed = (encoder.timestamps(x) - encoder.timestamps(y)).abs().amax(dim=1)[0] > 0
    assert changed[50 - reach : 50 + reach + 1].any() and not changed[: 50 - reach].any()
    assert not changed[50 + reach + 1 :].any()


def test_sizes_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        DilatedConvEncoder(0)
