"""A directory is written whole or not at all (atomic_dir.py)."""

from __future__ import annotations

import pytest

from contrastkit.atomic_dir import atomic_directory


def test_a_directory_is_written_whole_or_not_at_all(tmp_path):
    out = tmp_path / "export"
    with pytest.raises(RuntimeError, match="interrupted"), atomic_directory(out) as tmp:
        (tmp / "weights").write_text("half")
        raise RuntimeError("interrupted")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with atomic_directory(out) as tmp:
        (tmp / "weights").write_text("whole")
    with pytest.raises(FileExistsError, match="overwrite=True"), atomic_directory(out):
        pass
    with atomic_directory(out, overwrite=True) as tmp:
        (tmp / "weights").write_text("again")
    assert (out / "weights").read_text() == "again" and len(list(tmp_path.iterdir())) == 1
