"""pool(): mean, CLS and max over real tokens, checked on cases small enough to do by hand."""

from __future__ import annotations

import pytest
import torch

from contrastkit.text import POOLINGS, pool

# Two sequences of 3 tokens, D = 2; the second has one padding token at the end.
TOKENS = torch.tensor(
    [
        [[1.0, -2.0], [3.0, 0.0], [5.0, 4.0]],
        [[2.0, 6.0], [-4.0, 8.0], [100.0, 100.0]],  # last row is padding
    ]
)
MASK = torch.tensor([[1, 1, 1], [1, 1, 0]])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("mean", [[3.0, 2 / 3], [-1.0, 7.0]]),  # (1+3+5)/3, (-2+0+4)/3; (2-4)/2, (6+8)/2
        ("cls", [[1.0, -2.0], [2.0, 6.0]]),
        ("max", [[5.0, 4.0], [2.0, 8.0]]),
    ],
)
def test_hand_computed(mode: str, expected: list[list[float]]) -> None:
    torch.testing.assert_close(pool(TOKENS, MASK, mode), torch.tensor(expected))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", POOLINGS)
def test_padding_never_contributes(mode: str) -> None:
    tokens = torch.randn(4, 6, 5)
    lengths = torch.tensor([6, 1, 3, 4])
    mask = (torch.arange(6) < lengths[:, None]).long()  # (B, L), right padding
    noise = torch.randn(4, 6, 5) * 1e3 * (mask == 0).unsqueeze(-1)  # changes padded positions only
    torch.testing.assert_close(pool(tokens + noise, mask, mode), pool(tokens, mask, mode))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", POOLINGS)
def test_a_row_is_pooled_as_if_alone(mode: str) -> None:
    """Batching with longer texts (more padding) does not change a text's embedding."""
    tokens = torch.randn(2, 5, 3)
    mask = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]])
    alone = pool(tokens[:1, :2], mask[:1, :2], mode)  # type: ignore[arg-type]
    torch.testing.assert_close(pool(tokens, mask, mode)[:1], alone)  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_max_keeps_dtype_and_ignores_padding(dtype: torch.dtype) -> None:
    tokens = torch.full((1, 3, 2), -5.0, dtype=dtype)
    tokens[0, 2] = 7.0  # padding holds the largest value
    out = pool(tokens, torch.tensor([[1, 1, 0]]), "max")
    assert out.dtype == dtype
    assert out.tolist() == [[-5.0, -5.0]]


def test_unknown_mode_raises() -> None:
    with pytest.raises(ValueError, match="unknown pooling 'weightedmean'"):
        pool(TOKENS, MASK, "weightedmean")  # type: ignore[arg-type]
