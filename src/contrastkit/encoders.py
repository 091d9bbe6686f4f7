"""One Encoder for every trained model, and ``load_encoder`` that opens any export.

An export is a directory with a ``card.json`` whose ``format`` says which loader reads it:

=========================  ==========================================================
format                     written by
=========================  ==========================================================
``contrastkit-backbone/1`` the image task: ``backbone.safetensors`` + its eval transform
``sentence-transformers``  the text task: a directory ``SentenceTransformer(path)`` loads
``contrastkit-series/1``   the series task: ``series.safetensors`` (a dilated-conv encoder)
``contrastkit-words/1``    the words task: ``vectors.bin`` / ``vectors.txt`` (word2vec formats)
``contrastkit-two-tower/1`` the interactions task: user and item vectors, seen pairs
=========================  ==========================================================

A plug-in adds a format through the ``contrastkit.encoders`` entry-point group (the value
names a ``load(directory, card, device) -> Encoder`` function). A sentence-transformers
directory without a card (an older export, or one written by sentence-transformers itself)
opens as ``sentence-transformers``.

Opening an export imports only the loader of its format: never the training engine, so a
search service or a notebook pays for none of it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch

from contrastkit.types import Items

CARD = "card.json"
ENTRY_POINT_GROUP = "contrastkit.encoders"

FORMATS: dict[str, str] = {
    "contrastkit-backbone/1": "contrastkit.tasks.images.encoder:load",
    "sentence-transformers": "contrastkit.text.export:load",
    "contrastkit-series/1": "contrastkit.tasks.series.encoder:load",
    "contrastkit-words/1": "contrastkit.tasks.words.encoder:load",
    "contrastkit-two-tower/1": "contrastkit.tasks.interactions.recommender:load",
}


@runtime_checkable
class Encoder(Protocol):
    """A trained encoder: items in, one embedding per item out."""

    dim: int  # width of the embeddings
    inputs: str  # what encode() takes: "images", "texts", or a plug-in's kind

    def encode(self, items: Any, *, batch_size: int = 64, progress: bool = False) -> torch.Tensor:
        """Embeddings of ``items`` in their order, float32 on the CPU. ``(N,) → (N, dim)``."""
        ...

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        """Write an export that :func:`load_encoder` opens; ``card`` adds fields to its
        ``card.json`` (provenance: method, steps, evaluation…)."""
        ...


@runtime_checkable
class ParsesInputs(Protocol):
    """An encoder that turns a request's raw input into one of its items: a string (a query
    typed in a search box) or a file's bytes (an uploaded image). The search service and
    ``contrastkit search`` use it, so neither needs to know what kind of data an index holds."""

    #: what a request may carry for this encoder: "text" (a string), "file" (bytes)
    request_inputs: tuple[str, ...]

    def parse(self, value: str | bytes, *, max_pixels: int | None = None) -> Any:
        """One item from ``value``; :class:`InputError` when the encoder cannot take it.
        ``max_pixels`` caps an image's width × height (checked from its header before
        decoding); encoders of other inputs ignore it."""
        ...


@runtime_checkable
class ReadsSources(Protocol):
    """An encoder that reads a corpus of its own kind of items from a data source
    (``contrastkit index --data``), and shows one of them (a search result's preview)."""

    def read(self, source: str, split: str = "train") -> Items:
        """The items of ``source`` (``fashion-mnist``, ``folder:PATH``, ``jsonl:PATH``…)."""
        ...

    def item(self, items: Items, i: int) -> Any:
        """Item ``i`` of ``items`` as ``encode`` (and ``parts``) take one."""
        ...

    def preview(self, items: Items, i: int) -> dict[str, str]:
        """What a page shows for item ``i``: ``{"text": ...}`` or ``{"image": data URI}``."""
        ...


class InputError(ValueError):
    """A request input an encoder cannot take (a string for an image encoder, bytes that are
    not an image…); ``too_large`` when it exceeds a size limit (an image's pixel count)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


class ExportError(ValueError):
    """A directory that is not an export contrastkit can open (the message says why)."""


def load_encoder(directory: str | Path, *, device: str | torch.device = "cpu") -> Encoder:
    """The encoder exported to ``directory`` (see the module docstring for the formats).

    Example:
        >>> encoder = load_encoder("exports/fashion")          # an image backbone
        >>> encoder.encode(images).shape                        # (N, encoder.dim)
    """
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise FileNotFoundError(f"export directory {directory} does not exist")
    card = read_card(directory)
    fmt = card.get("format")
    loader = _loader(fmt) if isinstance(fmt, str) else None
    if loader is None:
        known = ", ".join(sorted({*FORMATS, *_plugins()}))
        raise ExportError(f"{directory / CARD} has format {fmt!r}; this contrastkit reads {known}")
    encoder: Encoder = loader(directory, card, torch.device(device))
    return encoder


def read_card(directory: Path) -> dict[str, Any]:
    """``card.json`` of an export; a sentence-transformers directory without one gets a
    minimal card of that format."""
    path = directory / CARD
    if not path.is_file():
        if (directory / "modules.json").is_file():
            return {"format": "sentence-transformers", "task": "text"}
        raise ExportError(
            f"{directory} holds no {CARD}; export a trained run with `contrastkit export`"
        )
    try:
        card = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ExportError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(card, dict):
        raise ExportError(f"{path} does not hold a mapping")
    return card


def fingerprint(directory: str | Path) -> str:
    """A SHA-256 of an export's files (names and bytes): the same export, the same value.

    An index records the fingerprint of the encoder that embedded its corpus; a query
    embedded by any other encoder is refused.
    """
    import hashlib

    directory = Path(directory)
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def write_card(directory: Path, card: Mapping[str, Any]) -> None:
    (directory / CARD).write_text(json.dumps(dict(card), indent=2) + "\n")


def save_module_export(
    directory: str | Path,
    module: torch.nn.Module,
    weights: str,
    card: Mapping[str, Any],
    *,
    overwrite: bool = False,
) -> Path:
    """An export of ``module``'s weights (``weights``, safetensors) and ``card.json``,
    written atomically: what an encoder's ``save`` of one network writes."""
    from safetensors.torch import save_file

    from contrastkit.atomic_dir import atomic_directory

    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    with atomic_directory(Path(directory), overwrite=overwrite) as tmp:
        save_file(tensors, str(tmp / weights))
        write_card(tmp, card)
    return Path(directory)


def _loader(fmt: str) -> Any:
    if fmt in FORMATS:
        module, _, attr = FORMATS[fmt].partition(":")
        return getattr(importlib.import_module(module), attr)
    plugin = _plugins().get(fmt)
    return None if plugin is None else plugin.load()


def _plugins() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
