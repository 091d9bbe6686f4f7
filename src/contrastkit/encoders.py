"""One Encoder for every trained model, and ``load_encoder`` that opens any export.

An export is a directory with a ``card.json`` whose ``format`` says which loader reads it:

=========================  ==========================================================
format                     written by
=========================  ==========================================================
``contrastkit-backbone/1`` the image task: ``backbone.safetensors`` + its eval transform
``sentence-transformers``  the text task: a directory ``SentenceTransformer(path)`` loads
=========================  ==========================================================

A plug-in adds a format through the ``contrastkit.encoders`` entry-point group (the value
names a ``load(directory, card, device) -> Encoder`` function). A sentence-transformers
directory without a card (an older export, or one written by sentence-transformers itself)
opens as ``sentence-transformers``.

Opening an export imports only the loader of its format: never the training engine, so a
search service or a notebook pays for none of it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch

CARD = "card.json"
ENTRY_POINT_GROUP = "contrastkit.encoders"

FORMATS: dict[str, str] = {
    "contrastkit-backbone/1": "contrastkit.tasks.images.encoder:load",
    "sentence-transformers": "contrastkit.text.export:load",
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


@contextlib.contextmanager
def export_directory(out_dir: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary sibling of ``out_dir`` to write an export into; renamed to ``out_dir``
    when the block succeeds, deleted when it fails, so a half-written export never appears.
    An existing non-empty ``out_dir`` is replaced only with ``overwrite``."""
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} is a file; choose a directory path to export to")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{out_dir} exists and is not empty; pass overwrite=True (CLI: --overwrite) to replace it"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private (0700); an exported model is meant to be shared
    try:
        yield tmp
        _replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_card(directory: Path, card: Mapping[str, Any]) -> None:
    (directory / CARD).write_text(json.dumps(dict(card), indent=2) + "\n")


def _replace(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` to ``out_dir``; an existing ``out_dir`` is moved aside, then deleted."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{tmp.name}")
    out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except BaseException:
        old.rename(out_dir)
        raise
    shutil.rmtree(old)


def _loader(fmt: str) -> Any:
    if fmt in FORMATS:
        module, _, attr = FORMATS[fmt].partition(":")
        return getattr(importlib.import_module(module), attr)
    plugin = _plugins().get(fmt)
    return None if plugin is None else plugin.load()


def _plugins() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
