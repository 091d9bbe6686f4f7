"""Gradient caching: a contrastive loss over a batch larger than memory, exactly.

Gao et al., "Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup" (GradCache,
2021, https://arxiv.org/abs/2101.06983), the method behind sentence-transformers'
CachedMultipleNegativesRankingLoss. In-batch-negative losses couple every pair of rows, but
only through the embeddings, which are small. So:

1. embed every column in mini-batches without a graph, remembering each mini-batch's RNG
   state (dropout);
2. compute the loss on those embeddings and its gradient with respect to them only;
3. on the loop's ``backward()``, re-embed each mini-batch with its RNG state restored (the
   same dropout masks, so the same embeddings) and back-propagate the cached gradient.

Peak memory is one mini-batch's activations plus the (B, D) embeddings, whatever B is; the
loss and every parameter gradient equal the uncached ones up to float rounding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

Tokens = Mapping[str, torch.Tensor]
ColumnsLoss = Callable[[Sequence[torch.Tensor]], torch.Tensor]


def embed_columns(
    encoder: nn.Module, columns: Sequence[Tokens], loss: ColumnsLoss, mini_batch: int | None
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``loss([encoder(c) for c in columns])`` and the embeddings, cached when ``mini_batch``.

    Without ``mini_batch`` this is the plain computation. With it, the returned loss is a
    leaf whose ``backward()`` runs step 3 above (scaled by the incoming gradient, so loss
    scaling and gradient accumulation work as usual). Returns (loss, detached embeddings).
    """
    if mini_batch is None:
        embeddings = [encoder(c) for c in columns]
        return loss(embeddings), [e.detach() for e in embeddings]
    if mini_batch < 1:
        raise ValueError(f"the cache mini-batch must be positive, got {mini_batch}")
    states: list[list[_RngState]] = []
    embeddings = []
    with torch.no_grad():
        for column in columns:
            parts, column_states = [], []
            for chunk in _chunks(column, mini_batch):
                column_states.append(_RngState.capture(chunk))
                parts.append(encoder(chunk))
            embeddings.append(torch.cat(parts))
            states.append(column_states)
    if not torch.is_grad_enabled():
        return loss(embeddings), embeddings
    leaves = [e.detach().requires_grad_() for e in embeddings]
    value = loss(leaves)
    grads = torch.autograd.grad(value, leaves)  # dL/d(embedding), (B, D) per column
    out = value.detach().requires_grad_()
    # backward runs outside the loop's autocast: replay under the precision of the first pass
    amp = _Autocast.capture(columns[0]["input_ids"].device.type)
    out.register_hook(lambda g: _replay(encoder, columns, states, grads, mini_batch, g, amp))
    return out, embeddings


def _replay(
    encoder: nn.Module,
    columns: Sequence[Tokens],
    states: list[list[_RngState]],
    grads: Sequence[torch.Tensor],
    mini_batch: int,
    upstream: torch.Tensor,
    amp: _Autocast,
) -> None:
    with torch.enable_grad(), amp.context():
        for column, column_states, grad in zip(columns, states, grads, strict=True):
            chunks = _chunks(column, mini_batch)
            for chunk, state, g in zip(chunks, column_states, grad.split(mini_batch), strict=True):
                with state.restored():
                    z = encoder(chunk)
                z.backward(g.to(z.dtype) * upstream)


def _chunks(tokens: Tokens, size: int) -> list[dict[str, torch.Tensor]]:
    """Row slices of a tokenized column; right-padded slices are cut to their longest text."""
    out = []
    for start in range(0, tokens["input_ids"].shape[0], size):
        rows = {k: v[start : start + size] for k, v in tokens.items()}
        mask = rows["attention_mask"]
        length = int(mask.sum(1).max())
        if bool((mask[:, length:] == 0).all()):  # padding on the right only
            rows = {k: v[:, :length] for k, v in rows.items()}
        out.append(rows)
    return out


class _RngState:
    """The CPU and (when the chunk is on a GPU) CUDA RNG states before embedding a chunk."""

    def __init__(self, cpu: torch.Tensor, cuda: torch.Tensor | None, device: Any) -> None:
        self.cpu, self.cuda, self.device = cpu, cuda, device

    @classmethod
    def capture(cls, chunk: Tokens) -> _RngState:
        device = chunk["input_ids"].device
        cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
        return cls(torch.get_rng_state(), cuda, device)

    @contextlib.contextmanager
    def restored(self) -> Iterator[None]:
        devices = [self.device] if self.cuda is not None else []
        with torch.random.fork_rng(devices=devices):
            torch.set_rng_state(self.cpu)
            if self.cuda is not None:
                torch.cuda.set_rng_state(self.cuda, self.device)
            yield


class _Autocast:
    """Whether autocast was on for a device type, and its dtype, to re-enter it later."""

    def __init__(self, device_type: str, enabled: bool, dtype: torch.dtype) -> None:
        self.device_type, self.enabled, self.dtype = device_type, enabled, dtype

    @classmethod
    def capture(cls, device_type: str) -> _Autocast:
        enabled = torch.is_autocast_enabled(device_type)
        return cls(device_type, enabled, torch.get_autocast_dtype(device_type))

    def context(self) -> contextlib.AbstractContextManager[Any]:
        if not self.enabled:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)
