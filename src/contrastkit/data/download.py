"""Fetch a file from the first mirror that serves the expected bytes, verified and atomic.

The bytes stream into a temporary file beside the destination while their SHA-256 is computed;
only a file whose hash matches is fsynced and renamed into place. So the destination is either
absent or complete and verified, and no partial file is left behind by any failure.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

CHUNK_BYTES = 1 << 20
MAX_BYTES = 256 << 20  # larger than any file we fetch; a longer stream is refused


class DownloadError(OSError):
    """No mirror served a file with the expected SHA-256; the message names each attempt."""


def download_verified(
    urls: Sequence[str],
    dest: str | Path,
    sha256: str,
    *,
    timeout: float = 60.0,
    max_bytes: int = MAX_BYTES,
) -> Path:
    """Write ``dest`` from the first of ``urls`` whose bytes hash to ``sha256``.

    Args:
        urls: mirrors tried in order (``http(s)://`` or ``file://``).
        dest: final path; its folder is created if needed.
        sha256: expected hex digest of the whole file.
        timeout: seconds for each connection attempt and read.
        max_bytes: refuse a stream longer than this.

    Returns ``dest``. Raises :class:`DownloadError` (an ``OSError``) naming every URL tried and
    why it failed (unreachable, checksum mismatch, too large).
    """
    dest = Path(dest)
    if not urls:
        raise ValueError(f"no URL given to download {dest.name} from.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        try:
            _fetch(url, dest, sha256.lower(), timeout, max_bytes)
            return dest
        # URLError and socket errors are OSError; ValueError: a malformed URL or our own checks
        except (OSError, ValueError, http.client.HTTPException) as err:
            failures.append(f"{url}: {err}")
    raise DownloadError(f"could not download {dest.name} ({'; '.join(failures)})")


def _fetch(url: str, dest: Path, sha256: str, timeout: float, max_bytes: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise ValueError(f"the file is larger than max_bytes={max_bytes}")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ValueError(f"SHA-256 is {digest.hexdigest()}, expected {sha256}")
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone already after a successful rename
