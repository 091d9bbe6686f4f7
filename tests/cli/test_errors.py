"""Bad input: every mistake exits non-zero with one line that says what to do."""

from __future__ import annotations

import pytest

from contrastkit.cli import main


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["train", "--data", "npz:/no/such/file.npz", "--steps", "1"], "/no/such/file.npz"),
        (["train", "--data", "imagenet"], "unknown data source"),
        (["train", "--method", "nope", "--steps", "1"], "unknown method 'nope'"),
        (["train", "--set", "optim.lrr=1"], "unknown setting 'optim.lrr'"),
        (["train", "--set", "temperature=0"], "invalid setting 'temperature'"),
        (["train", "--set", "lr"], "key=value"),
        (["train", "--config", "/no/such.yaml"], "does not exist"),
        (["eval", "--run", "/no/such/run"], "does not exist"),
        (["train", "--steps", "0"], "--steps"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(tmp_path, capsys, args, expected):
    assert main([*args, "--out", str(tmp_path / "run")] if args[0] == "train" else args) != 0
    assert expected in _one_error_line(capsys)


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "train", "eval", "embed", "export"):
        assert command in out


def test_train_help_names_every_method():
    from typer.testing import CliRunner

    from contrastkit.cli import app
    from contrastkit.tasks.images.methods import METHODS

    help_text = " ".join(CliRunner().invoke(app, ["train", "--help"]).output.split())
    assert all(name in help_text for name in METHODS), help_text


@pytest.fixture
def files(tmp_path):
    """Hostile inputs on disk: configs, checkpoints, a file where a folder should be."""
    (tmp_path / "syntax.yaml").write_text("optim: [1, 2\n")
    (tmp_path / "tag.yaml").write_text("method: !!python/object/apply:os.system ['touch pwned']\n")
    (tmp_path / "garbage.pt").write_bytes(b"not a checkpoint at all")
    (tmp_path / "a-file").write_text("x")
    run = tmp_path / "broken-run" / "checkpoints"
    run.mkdir(parents=True)
    (run / "checkpoint-00000002.pt").write_bytes(b"PK\x03\x04 truncated")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--config", "{d}/syntax.yaml"], "is not valid YAML at line 2"),
        (["--config", "{d}/tag.yaml"], "is not valid YAML"),
        (["--set", "temperature=.inf"], "invalid setting 'temperature'"),
        (["--set", "optim.lr=.nan"], "invalid setting 'optim.lr'"),
        (["--resume", "{d}/garbage.pt"], "cannot read checkpoint {d}/garbage.pt"),
        (["--resume", "{d}/none.pt"], "checkpoint {d}/none.pt does not exist"),
        (["--set", "model.init_from={d}/garbage.pt"], "cannot read checkpoint"),
        (["--out", "{d}/a-file"], "is a file"),
        (["--out", "{d}/a-file/run"], "a-file"),
        (["--out", "{d}/broken-run", "--resume", "auto"], "none of the 1 checkpoints"),
    ],
    ids=[
        "yaml-syntax", "yaml-python-tag", "inf-temperature", "nan-lr", "garbage-checkpoint",
        "missing-checkpoint", "garbage-init-from", "out-is-a-file", "out-under-a-file",
        "unreadable-checkpoints",
    ],
)  # fmt: skip
def test_hostile_inputs_are_one_line(files, capsys, args, expected, fashion_mnist_available):
    args = [a.replace("{d}", str(files)) for a in args]
    out = [] if "--out" in args else ["--out", str(files / "run")]
    tiny = ["--set", "data.max_samples=64", "--set", "optim.batch_size=32", "--device", "cpu", "-q"]
    assert main(["train", "--steps", "1", *tiny, *out, *args]) == 1
    lines = capsys.readouterr().err.strip().splitlines()  # warnings may come first
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0]
    assert expected.replace("{d}", str(files)) in errors[0]
    assert not (files / "pwned").exists() and not (files.parent / "pwned").exists()


def test_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    args = ["train", "--set", "temperature=0", "--out", str(tmp_path / "run")]
    with pytest.raises(ValueError, match="invalid setting 'temperature'"):
        main([*args, "--debug"])
    monkeypatch.setenv("CONTRASTKIT_DEBUG", "1")
    with pytest.raises(ValueError):
        main(args)
