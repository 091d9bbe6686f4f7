"""Save a :class:`TextEncoder` as a sentence-transformers model directory.

The directory loads with ``SentenceTransformer(path)``, without ``trust_remote_code``, in
sentence-transformers 5.x and 6.x, and back into contrastkit with
``TextEncoder.from_pretrained(path)``; both embed exactly as the encoder did. Layout (the one
sentence-transformers itself writes):

    out_dir/
        modules.json                      Transformer → Pooling → [Dense] → [Normalize]
        config_sentence_transformers.json similarity "cosine", versions
        sentence_bert_config.json         max_seq_length
        config.json, model.safetensors    the Hugging Face transformer
        tokenizer files
        1_Pooling/config.json
        2_Dense/{config.json, model.safetensors}   when the encoder has a projection
        2_Normalize/ or 3_Normalize/               when it normalises (no files)
        README.md                         a short model card
        card.json                         contrastkit's card (format, task, provenance)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from contrastkit.atomic_dir import atomic_directory
from contrastkit.encoders import write_card
from contrastkit.text.encoder import TextEncoder

FORMAT = "sentence-transformers"

# The legacy module names: 6.x maps them to its new modules, 5.x and older import them as is.
_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_DENSE = "sentence_transformers.models.Dense"
_NORMALIZE = "sentence_transformers.models.Normalize"


def export_sentence_transformers(
    encoder: TextEncoder,
    out_dir: Path | str,
    *,
    overwrite: bool = False,
    card: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``encoder`` as a sentence-transformers directory at ``out_dir``; returns it.

    The files are written into a temporary sibling directory which is then renamed to
    ``out_dir``, so an interrupted export never leaves a half-written model there. An
    existing non-empty ``out_dir`` is replaced only with ``overwrite=True``. A ``card.json``
    beside the model files (format ``sentence-transformers``, plus ``card``'s fields) lets
    :func:`contrastkit.encoders.load_encoder` open it; sentence-transformers ignores it.

    Example::

        export_sentence_transformers(encoder, Path("my-model"))
        SentenceTransformer("my-model").encode(["a sentence"])  # == encoder.encode([...])
    """
    out_dir = Path(out_dir).expanduser()
    with atomic_directory(out_dir, overwrite=overwrite) as tmp:
        _write(encoder, tmp)
        write_card(tmp, {"format": FORMAT, "task": "text", "dim": encoder.dim, **(card or {})})
    return out_dir


def load(directory: Path, card: Mapping[str, Any], device: torch.device) -> TextEncoder:
    """The :class:`TextEncoder` of a sentence-transformers directory (``load_encoder``)."""
    return TextEncoder.from_pretrained(directory).to(device).eval()


def _write(encoder: TextEncoder, directory: Path) -> None:
    import transformers

    from contrastkit import __version__

    hidden = encoder.projection.in_features if encoder.projection else encoder.dim
    encoder.model.save_pretrained(directory)  # type: ignore[operator]  # safetensors + config.json
    if not (directory / "model.safetensors").is_file():
        raise RuntimeError(f"transformers did not write {directory / 'model.safetensors'}")
    encoder.tokenizer.save_pretrained(directory)

    modules = [
        {"idx": 0, "name": "0", "path": "", "type": _TRANSFORMER},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": _POOLING},
    ]
    _dump(
        directory / "sentence_bert_config.json",
        {"max_seq_length": encoder.max_length, "do_lower_case": False},
    )
    _dump(directory / "1_Pooling" / "config.json", _pooling_config(encoder.pooling, hidden))
    if encoder.projection is not None:
        index = len(modules)
        path = f"{index}_Dense"
        _write_dense(encoder.projection, directory / path)
        modules.append({"idx": index, "name": str(index), "path": path, "type": _DENSE})
    if encoder.normalize:
        index = len(modules)
        path = f"{index}_Normalize"
        (
            directory / path
        ).mkdir()  # Normalize has no files; sentence-transformers makes the dir too
        modules.append({"idx": index, "name": str(index), "path": path, "type": _NORMALIZE})
    _dump(directory / "modules.json", modules)
    _dump(
        directory / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            # No "sentence_transformers" entry: no version of it wrote this directory.
            "__version__": {
                "contrastkit": __version__,
                "transformers": transformers.__version__,
                "pytorch": torch.__version__,
            },
            "prompts": {},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (directory / "README.md").write_text(_model_card(encoder, modules, hidden))


def _pooling_config(pooling: str, hidden: int) -> dict[str, Any]:
    """The legacy boolean keys, which every sentence-transformers version from 2.x reads.

    6.x writes ``pooling_mode: "mean"`` instead, but 5.x's Pooling has no
    ``embedding_dimension`` argument, so only the legacy form loads in both.
    """
    return {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": pooling == "max",
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,  # sic: the one key without the "_tokens" suffix
        "include_prompt": True,
    }


def _write_dense(projection: torch.nn.Linear, directory: Path) -> None:
    from safetensors.torch import save_file

    directory.mkdir()
    _dump(
        directory / "config.json",
        {
            "in_features": projection.in_features,
            "out_features": projection.out_features,
            "bias": projection.bias is not None,
            "activation_function": "torch.nn.modules.linear.Identity",
        },
    )
    state = {
        f"linear.{k}": v.detach().cpu().contiguous() for k, v in projection.state_dict().items()
    }
    save_file(state, str(directory / "model.safetensors"))


def _model_card(encoder: TextEncoder, modules: list[dict[str, Any]], hidden: int) -> str:
    from contrastkit import __version__

    base = str(getattr(encoder.model, "name_or_path", "") or "unknown")
    chain = " → ".join(m["type"].rsplit(".", 1)[-1] for m in modules)
    projection = f"Dense {hidden} → {encoder.dim} (identity)" if encoder.projection else "none"
    return f"""---
library_name: sentence-transformers
pipeline_tag: sentence-similarity
tags:
- sentence-transformers
- contrastkit
---

# Sentence encoder exported by contrastkit {__version__}

| | |
| --- | --- |
| base model | `{base}` |
| modules | {chain} |
| pooling | {encoder.pooling} |
| projection | {projection} |
| normalized | {encoder.normalize} |
| embedding dimension | {encoder.dim} |
| max sequence length | {encoder.max_length} tokens |
| similarity | cosine |

## Load

```python
from sentence_transformers import SentenceTransformer

model = SentenceTransformer("path/to/this/directory")
embeddings = model.encode(["A man is playing a guitar."])
```

or back into contrastkit:

```python
from contrastkit.text import TextEncoder

encoder = TextEncoder.from_pretrained("path/to/this/directory")
embeddings = encoder.encode(["A man is playing a guitar."])
```
"""


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")
