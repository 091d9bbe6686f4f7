"""TextEncoder: encode's batching is invisible, modes are handled, pretrained.py fails loudly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from contrastkit.text import TextEncoder


@pytest.fixture(scope="module")
def encoder(tiny_bert_dir: Path) -> TextEncoder:
    """Shared by tests that leave it in eval mode; tests that change modes build their own."""
    return TextEncoder.from_pretrained(tiny_bert_dir).eval()


def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().abs().max())


def test_encode_keeps_input_order(encoder: TextEncoder, sentences: list[str]) -> None:
    texts = [*sentences, "Hi.", "A considerably longer sentence than all of the others here."]
    one_by_one = torch.cat([encoder.encode([t]) for t in texts])  # (N, dim), no sorting
    assert _max_abs(encoder.encode(texts, batch_size=4), one_by_one) < 1e-5


def test_encode_is_batch_size_invariant(encoder: TextEncoder, sentences: list[str]) -> None:
    full = encoder.encode(sentences, batch_size=len(sentences))
    assert full.shape == (len(sentences), encoder.dim)
    assert full.dtype == torch.float32
    for batch_size in (1, 3, 5, 100):
        assert _max_abs(encoder.encode(sentences, batch_size=batch_size), full) < 1e-5


def test_encode_runs_in_eval_mode_and_restores_the_mode(
    tiny_bert_dir: Path, sentences: list[str]
) -> None:
    encoder = TextEncoder.from_pretrained(tiny_bert_dir)
    seen: list[bool] = []
    layers = encoder.model.encoder  # runs in both the padded and the packed forward
    layers.register_forward_pre_hook(lambda module, args: seen.append(module.training))

    encoder.train()
    encoder.encode(sentences, batch_size=5)
    assert seen == [False, False, False]
    assert encoder.training and all(m.training for m in encoder.modules())

    encoder.eval()
    encoder.encode(sentences)
    assert not any(m.training for m in encoder.modules())


def test_dropout_is_active_in_forward_in_train_mode(
    tiny_bert_dir: Path, sentences: list[str]
) -> None:
    encoder = TextEncoder.from_pretrained(tiny_bert_dir)
    config: Any = encoder.model.config
    assert config.hidden_dropout_prob > 0
    tokens = encoder.tokenize(sentences)
    encoder.train()
    assert _max_abs(encoder(tokens), encoder(tokens)) > 1e-4  # SimCSE's two views
    encoder.eval()
    with torch.no_grad():
        assert _max_abs(encoder(tokens), encoder(tokens)) == 0.0


def test_forward_matches_encode_and_normalizes(encoder: TextEncoder, sentences: list[str]) -> None:
    with torch.no_grad():
        z = encoder(encoder.tokenize(sentences))
    torch.testing.assert_close(z.norm(dim=-1), torch.ones(len(sentences)))
    assert _max_abs(z, encoder.encode(sentences)) < 1e-5


def test_tokenize_pads_and_truncates(tiny_bert_dir: Path) -> None:
    encoder = TextEncoder.from_pretrained(tiny_bert_dir, max_length=6)
    tokens = encoder.tokenize(["a man", "a man is playing a guitar on the mat today"])
    assert tokens["input_ids"].shape == (2, 6)
    assert tokens["attention_mask"].tolist()[0] == [1, 1, 1, 1, 0, 0]  # [CLS] a man [SEP]


def test_a_bare_string_is_rejected(encoder: TextEncoder) -> None:
    with pytest.raises(TypeError, match=r"wrap it: \[text\]"):
        encoder.tokenize("A man is playing a guitar.")
    with pytest.raises(TypeError, match=r"wrap it: \[text\]"):
        encoder.encode("A man is playing a guitar.")


def test_empty_input_gives_an_empty_matrix(encoder: TextEncoder) -> None:
    out = encoder.encode([])
    assert out.shape == (0, encoder.dim)
    assert out.dtype == torch.float32


def test_bad_arguments_raise(tiny_bert_dir: Path, encoder: TextEncoder) -> None:
    with pytest.raises(ValueError, match="unknown pooling 'sum'"):
        TextEncoder.from_pretrained(tiny_bert_dir, pooling="sum")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size must be positive"):
        encoder.encode(["a"], batch_size=0)


def test_projection_sets_dim(tiny_bert_dir: Path, sentences: list[str]) -> None:
    encoder = TextEncoder.from_pretrained(tiny_bert_dir, projection_dim=8, normalize=False)
    assert encoder.dim == 8
    assert encoder.encode(sentences[:3]).shape == (3, 8)


# pretrained.py: directories that are not models fail with a sentence saying why.


def test_a_directory_without_config_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(FileNotFoundError, match=r"no config\.json"):
        TextEncoder.from_pretrained(tmp_path)


def _with_modules(tiny_bert_dir: Path, directory: Path, modules: list[dict[str, str]]) -> Path:
    shutil.copytree(tiny_bert_dir, directory)
    (directory / "modules.json").write_text(json.dumps(modules))
    return directory


def test_an_unsupported_module_type_is_named(tiny_bert_dir: Path, tmp_path: Path) -> None:
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_LSTM", "type": "sentence_transformers.models.LSTM"},
    ]
    model_dir = _with_modules(tiny_bert_dir, tmp_path / "model", modules)
    with pytest.raises(ValueError, match=r"sentence_transformers\.models\.LSTM"):
        TextEncoder.from_pretrained(model_dir)


def test_a_dense_with_an_activation_is_refused(tiny_bert_dir: Path, tmp_path: Path) -> None:
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    model_dir = _with_modules(tiny_bert_dir, tmp_path / "model", modules)
    (model_dir / "2_Dense").mkdir()
    config = {
        "in_features": 32,
        "out_features": 8,
        "activation_function": "torch.nn.modules.activation.Tanh",
    }
    (model_dir / "2_Dense" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="Tanh is not supported"):
        TextEncoder.from_pretrained(model_dir)
