"""Channels-last is a memory layout: same outputs, same state dict, NHWC weights."""

from __future__ import annotations

import copy

import torch

from contrastkit.nn import SmallCNN
from contrastkit.nn.memory_format import use_channels_last


def test_same_outputs_and_state_dict_in_channels_last():
    model = SmallCNN(in_channels=1).eval()
    nhwc = use_channels_last(copy.deepcopy(model))
    x = torch.randn(4, 1, 28, 28)
    torch.testing.assert_close(nhwc(x), model(x), rtol=1e-4, atol=1e-5)
    assert list(nhwc.state_dict()) == list(model.state_dict())
    for name, p in nhwc.named_parameters():
        if p.dim() == 4:
            assert p.is_contiguous(memory_format=torch.channels_last), name


def test_inputs_are_handed_over_channels_last():
    seen = []
    model = use_channels_last(SmallCNN(in_channels=3))
    model.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    model(torch.randn(2, 3, 28, 28))
    assert seen[0].is_contiguous(memory_format=torch.channels_last)


def test_gradients_match_the_default_layout():
    """In float64: in float32 a rounding difference can flip a max-pool's choice between two
    nearly equal inputs and move a gradient entry by 1e-2, legitimately."""
    model = SmallCNN(in_channels=1).double()
    nhwc = use_channels_last(copy.deepcopy(model))
    x = torch.randn(4, 1, 28, 28, dtype=torch.float64)
    w = torch.randn(4, model.dim, dtype=torch.float64)  # not .sum(): BN makes that gradient ~0
    (model(x) * w).sum().backward()
    (nhwc(x) * w).sum().backward()
    for (name, a), b in zip(model.named_parameters(), nhwc.parameters(), strict=True):
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-9, atol=1e-10, msg=name)
