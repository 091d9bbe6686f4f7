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
