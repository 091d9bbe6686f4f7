"""Where the real tokens of a padded batch sit, for attention run padding-free
(:mod:`contrastkit.text.packed` builds it; the attention function in
:mod:`contrastkit.text.fast_dropout` reads it)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class PackedMask:
    """Where the real tokens of a ``(B, L)`` batch sit: ``index`` (T,) into the flattened
    ``B·L`` positions, and ``keys`` (B, 1, 1, L), True where a key is a real token."""

    index: torch.Tensor
    keys: torch.Tensor

    def pad(self, x: torch.Tensor) -> torch.Tensor:
        """``(1, heads, T, d)`` → ``(B, heads, L, d)``, zeros at padding."""
        batch, length = self.keys.shape[0], self.keys.shape[-1]
        tokens = x[0].transpose(0, 1)  # (T, heads, d)
        flat = tokens.new_zeros((batch * length, *tokens.shape[1:]))
        flat = flat.index_copy(0, self.index, tokens)
        return flat.view(batch, length, *tokens.shape[1:]).transpose(1, 2)

    def gather(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, L, heads, d)`` → ``(1, T, heads, d)``: the real tokens' rows."""
        return x.flatten(0, 1).index_select(0, self.index).unsqueeze(0)
