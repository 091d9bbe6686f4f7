"""Padding-free encoder forward: the per-token layers see the real tokens only.

A batch padded to its longest text pays every linear layer, LayerNorm, activation and dropout
for each padding position too; in a batch of short queries beside long passages that is a
tenth or more of the step. Here the embeddings run on the padded batch (positions as usual),
the real tokens are gathered into one sequence ``(1, T, H)`` for the encoder layers, and
only attention goes back to the padded layout: the attention function
(:func:`contrastkit.text.fast_dropout.attention`) meets a :class:`PackedMask`, scatters
queries, keys and values to ``(B, heads, L, d)``, attends with the key-padding mask and
gathers the result back to the real tokens. The output is the model's own
``last_hidden_state`` (zeros at padding), equal to the padded forward up to float rounding.

Supported: BERT-family encoders (``model_type == "bert"``, which includes MiniLM) whose
attention goes through transformers' attention interface (transformers 5); anything else
runs its own forward.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from contrastkit.text.fast_dropout import ATTENTION, register
from contrastkit.text.packed_mask import PackedMask

_PACKABLE = ("bert",)


def supports_packing(model: nn.Module) -> bool:
    """Whether :func:`packed_forward` can run ``model``."""
    config: Any = getattr(model, "config", None)
    if config is None or getattr(config, "model_type", None) not in _PACKABLE:
        return False
    if config.is_decoder or getattr(config, "add_cross_attention", False):
        return False
    if not (hasattr(model, "embeddings") and hasattr(model, "encoder")):
        return False
    import transformers.models.bert.modeling_bert as bert

    return hasattr(bert, "ALL_ATTENTION_FUNCTIONS")  # attention is pluggable (transformers 5)


def enable_packing(model: nn.Module) -> bool:
    """Route ``model``'s attention through the function that understands
    :class:`PackedMask` (in place). Returns False, changing nothing, where unsupported."""
    if not supports_packing(model):
        return False
    register()
    config: Any = model.config
    config._attn_implementation = ATTENTION
    return True


def packed_forward(model: nn.Module, tokens: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """``model(**tokens).last_hidden_state`` with the layers run on the real tokens only.

    ``model`` went through :func:`enable_packing`. Shapes: tokens (B, L) → (B, L, H).
    """
    mask = tokens["attention_mask"].bool()  # (B, L)
    batch, length = mask.shape
    embedded = model.embeddings(  # type: ignore[operator]
        input_ids=tokens["input_ids"], token_type_ids=tokens.get("token_type_ids")
    )  # (B, L, H)
    index = mask.flatten().nonzero().squeeze(1)  # (T,)
    packed = embedded.flatten(0, 1).index_select(0, index).unsqueeze(0)  # (1, T, H)
    where = PackedMask(index, mask[:, None, None, :])
    hidden = model.encoder(packed, attention_mask=where).last_hidden_state[0]  # type: ignore[operator]
    out = hidden.new_zeros(batch * length, hidden.shape[-1]).index_copy(0, index, hidden)
    return out.view(batch, length, -1)
