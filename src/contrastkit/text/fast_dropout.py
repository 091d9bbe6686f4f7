"""Dropout for transformer training on CPU with keep-masks from a fast generator.

Training a BERT-sized encoder on CPU spends a fifth of its step drawing dropout masks:
torch's CPU ``bernoulli_`` draws one Mersenne-Twister number per element, and attention
dropout alone needs ``batch × heads × length²`` of them per layer. Here a mask costs one
64-bit draw of numpy's SFC64 per four elements: the raw bits are read as 16-bit integers
and an element is kept when its integer is at least ``round(p · 2¹⁶)`` above the minimum,
so ``p`` is honoured to within 2⁻¹⁷ (0.1 becomes 0.100006). Masks stay reproducible: each
one is seeded by a number drawn from torch's CPU generator, so the loop's per-step
reseeding, resume and the gradient cache's RNG replay cover them as they cover torch's own
dropout.

Off the CPU, or outside training, everything here defers to torch's dropout and to
scaled-dot-product attention.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from contrastkit.text.packed_mask import PackedMask

ATTENTION = "contrastkit_sdpa"  # the attention implementation name registered with transformers
_LEVELS = 1 << 16


def keep_mask(shape: torch.Size | tuple[int, ...], p: float) -> torch.Tensor:
    """A CPU bool tensor of ``shape``, each element True with probability ``1 - p``."""
    n = int(np.prod(shape, dtype=np.int64))
    seed = int(torch.randint(0, 2**62, (), dtype=torch.int64).item())  # torch's CPU generator
    words = np.random.SFC64(seed).random_raw((n + 3) // 4)  # uint64, four 16-bit draws each
    draws = torch.from_numpy(words.view(np.int16)[:n])
    return (draws >= -(_LEVELS // 2) + round(p * _LEVELS)).view(shape)


def dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """``F.dropout`` with :func:`keep_mask` on CPU (the mask is what autograd keeps)."""
    if not training or p == 0.0:
        return x
    if x.device.type != "cpu" or not 0.0 < p < 1.0:
        return nn.functional.dropout(x, p, training)
    return _Masked.apply(x, keep_mask(x.shape, p), 1.0 / (1.0 - p))


def _keep(x: torch.Tensor, mask: torch.Tensor, scale: float) -> torch.Tensor:
    # where + an in-place scale: two passes without a float copy of the mask. torch's
    # ``native_dropout_backward`` (x · mask · scale) converts the bool mask to x's dtype
    # first, and on a batch × heads × L² attention tensor that made each call ~4× slower.
    out = torch.where(mask, x, 0.0)
    return out if scale == 1.0 else out.mul_(scale)


class _Masked(torch.autograd.Function):
    """``x · mask · scale`` each way (:func:`_keep`), saving only the bool mask for
    backward."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, mask: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(mask)
        ctx.scale = scale
        return _keep(x, mask, scale)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (mask,) = ctx.saved_tensors
        return _keep(grad, mask, ctx.scale), None, None


class FastDropout(nn.Dropout):
    """``nn.Dropout`` (same ``p``, same state dict) using :func:`dropout`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


def attention(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | PackedMask | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """A transformers attention function: bidirectional attention with :func:`dropout` on
    the probabilities when a :class:`FastDropout` module trains on CPU, scaled-dot-product
    attention otherwise.

    ``attention_mask`` is transformers' SDPA mask (bool, True = attend, or additive float),
    or a :class:`~contrastkit.text.packed_mask.PackedMask` when the layers run padding-free
    (queries, keys and values then come as one packed sequence and go back as one);
    ``query``/``key``/``value`` are (B, heads, L, d); returns (B, L, heads, d).
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if isinstance(attention_mask, PackedMask):
        q, k, v = (attention_mask.pad(t) for t in (query, key, value))
        out, _ = attention(module, q, k, v, attention_mask.keys, dropout, scaling, **kwargs)
        return attention_mask.gather(out), None
    if (
        not isinstance(getattr(module, "dropout", None), FastDropout)
        or not 0.0 < dropout < 1.0
        or query.device.type != "cpu"
        or getattr(module, "is_causal", False)
    ):
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    scale = query.shape[-1] ** -0.5 if scaling is None else scaling
    # scaled on the (B, h, L, d) side: a pass over L×L saved
    scores = torch.matmul(query * scale, key.transpose(2, 3))  # (B, h, L, L)
    if attention_mask is not None:
        # added in place: the gradient passes through untouched (a masked_fill_ would cost
        # backward a copy and a fill of L×L; softmax already gives masked keys zero gradient)
        scores.add_(_additive(attention_mask, scores.dtype))
    probs = scores.softmax(dim=-1).to(value.dtype)  # autocast's float32 softmax, cast back
    # dropout's 1 / (1 - p) goes on the (B, h, L, d) values, not the L×L probabilities
    dropped = _Masked.apply(probs, keep_mask(probs.shape, dropout), 1.0)
    out = torch.matmul(dropped, value * (1.0 / (1.0 - dropout)))
    return out.transpose(1, 2).contiguous(), None


def _additive(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """An SDPA mask as a bias to add to the scores: 0 where attended, the dtype's minimum
    where not (finite, so a row never turns NaN)."""
    if mask.dtype != torch.bool:
        return mask.to(dtype)
    return torch.zeros(mask.shape, dtype=dtype).masked_fill_(~mask, torch.finfo(dtype).min)


def register() -> None:
    """Make :data:`ATTENTION` a transformers attention implementation (idempotent)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(ATTENTION, attention)
    AttentionMaskInterface.register(ATTENTION, sdpa_mask)


def use_fast_dropout(model: nn.Module) -> nn.Module:
    """Switch a transformers encoder to :class:`FastDropout` and :func:`attention`, in place.

    Weights and outputs in eval mode are unchanged; only how training draws its dropout
    masks on CPU differs. Returns ``model``.
    """
    register()
    for parent in model.modules():
        for name, child in parent.named_children():
            if type(child) is nn.Dropout:
                setattr(parent, name, FastDropout(child.p, child.inplace))
    config: Any = model.config
    config._attn_implementation = ATTENTION
    return model
