"""The shared data folder (data/shared.py): env var, beside the repo, beside the cwd, errors."""

from __future__ import annotations

import pytest

from contrastkit.data import DatasetNotFoundError, shared_data_dir
from contrastkit.data import shared as shared_module


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(shared_module.ENV_VAR, raising=False)


def test_env_var_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(shared_module.ENV_VAR, str(tmp_path))
    assert shared_data_dir() == tmp_path


def test_env_var_naming_no_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(shared_module.ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(
        DatasetNotFoundError, match=r"CONTRASTKIT_SHARED_DATA=.*absent is not a folder"
    ):
        shared_data_dir()


def test_beside_the_repo_root_first(tmp_path, monkeypatch, no_env):
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "main").mkdir()
    (tmp_path / "cwd" / "shared" / "data").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "cwd" / "shared")  # ../shared/data from here exists too
    monkeypatch.setattr(shared_module, "repo_root", lambda: tmp_path / "main")
    assert shared_data_dir() == (tmp_path / "shared" / "data").resolve()


def test_beside_the_working_directory(tmp_path, monkeypatch, no_env):
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.setattr(shared_module, "repo_root", lambda: None)  # an installed package
    assert shared_data_dir() == (tmp_path / "shared" / "data").resolve()


def test_nowhere_names_the_paths_tried_and_the_env_var(tmp_path, monkeypatch, no_env):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(shared_module, "repo_root", lambda: tmp_path / "repo")
    with pytest.raises(DatasetNotFoundError) as err:
        shared_data_dir()
    message = str(err.value)
    assert str(tmp_path / "repo" / ".." / "shared" / "data") in message
    assert str(tmp_path / ".." / "shared" / "data") in message
    assert "set CONTRASTKIT_SHARED_DATA" in message


def test_repo_root_holds_pyproject():
    root = shared_module.repo_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert (root / "src" / "contrastkit").is_dir()
