"""Typed access to the parts every method exposes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from contrastkit.engine.build import backbone_of, encoder_of
from contrastkit.nn import backbone_dim


class _Backbone(nn.Module):
    dim = 3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :3]


class _Method(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = _Backbone()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x)


def test_accessors_return_the_methods_parts():
    method = _Method()
    x = torch.randn(2, 5)
    assert backbone_of(method) is method.backbone and backbone_dim(method.backbone) == 3
    torch.testing.assert_close(encoder_of(method)(x), x[:, :3])


def test_accessors_name_what_is_missing():
    with pytest.raises(TypeError, match="no embed"):
        encoder_of(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="no backbone"):
        backbone_of(nn.Linear(2, 2))
    with pytest.raises(TypeError, match=r"\.dim"):
        backbone_dim(nn.Linear(2, 2))
