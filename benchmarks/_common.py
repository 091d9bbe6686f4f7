"""Helpers shared by the benchmark scripts: provenance, interleaved timing, peak memory.

Timing on a shared machine is noisy, so a benchmark never times one implementation on its
own: :func:`interleave` runs every candidate once per round (A B C A B C …, order rotated
each round, same inputs) and the scripts report medians and per-round ratios to a peer.

Peak memory on CPU: torch's CPU allocator is plain ``malloc``, which ``tracemalloc`` does not
see, so we read the kernel's resident-set high-water mark. :func:`peak_rss_delta` resets it
(``echo 5 > /proc/self/clear_refs``), runs the candidate once, and reports ``VmHWM`` minus the
``VmRSS`` just before. :func:`run_isolated` runs that in a fresh child process per case, with
glibc's mmap threshold pinned (``MALLOC_MMAP_THRESHOLD_``) so every tensor above 128 KiB is
its own mapping, returned to the kernel when freed — the high-water mark is then the peak of
live tensors, not of a heap that glibc kept — and with an address-space limit
(``RLIMIT_AS``) so a candidate that would need more memory than the budget fails inside the
child with an allocation error instead of making the machine swap or kill something.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 2**20
GIB = 2**30

# Every malloc above this is an mmap of its own, and the threshold stops adapting upward.
CHILD_ENV = {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}


# ----------------------------------------------------------------------------- provenance


def machine_description() -> str:
    """CPU model, cores, memory, Python, torch version and intra-op threads, on one line."""
    import torch

    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = _meminfo_kib("MemTotal")
    mem_text = f"{mem / 2**20:.0f} GiB RAM" if mem else "RAM unknown"
    return (
        f"{model}, {usable} cores usable ({os.cpu_count()} logical), {mem_text}, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )


def git_commit() -> str:
    """``git rev-parse --short HEAD``, plus ``+dirty`` if tracked files differ from it."""
    head = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return head + ("+dirty" if dirty else "")


def command_line() -> str:
    """The command that started this process, as it would be typed in the repository root."""
    exe = Path(sys.executable)
    try:
        exe_text = str(exe.relative_to(Path.cwd()))
    except ValueError:
        exe_text = str(exe)
    return shlex.join([exe_text, *sys.argv])


def append_results(path: Path, title: str, body: str) -> None:
    """Append ``## <date> — <title>`` with command, commit and machine, then ``body``."""
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    section = (
        f"\n## {stamp} — {title}\n\n"
        f"- command: `{command_line()}` (from the repository root)\n"
        f"- commit: `{git_commit()}`\n"
        f"- machine: {machine_description()}\n\n"
        f"{body.rstrip()}\n"
    )
    if not path.exists():
        path.write_text("# Benchmark results\n\nAppended by the scripts in this folder.\n")
    with path.open("a") as f:
        f.write(section)


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _meminfo_kib(key: str) -> int | None:
    path = Path("/proc/meminfo")
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def load_average() -> float:
    """The 1-minute load average: how busy the machine was around a measurement."""
    return os.getloadavg()[0]


def available_memory_bytes() -> int:
    """``MemAvailable`` from /proc/meminfo (what can be allocated without swapping)."""
    kib = _meminfo_kib("MemAvailable")
    if kib is None:
        raise RuntimeError("cannot read MemAvailable from /proc/meminfo (Linux only).")
    return kib * 1024


# ----------------------------------------------------------------------------- timing


def interleave(
    candidates: Mapping[str, Callable[[], object]],
    *,
    rounds: int,
    warmup: int,
    max_rounds: Mapping[str, int] | None = None,
    before_each: Callable[[], None] | None = None,
) -> dict[str, list[float]]:
    """Seconds per call of each candidate, run once per round in a rotating order.

    ``warmup`` untimed rounds come first. A candidate named in ``max_rounds`` (a very slow
    one) takes part in only its first that-many timed rounds. ``before_each`` runs untimed
    before every call (e.g. to drop accumulated ``.grad``).
    """
    names = list(candidates)
    cap = dict(max_rounds or {})
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(warmup + rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            if r >= warmup + cap.get(name, rounds):
                continue
            if before_each is not None:
                before_each()
            start = time.perf_counter()
            candidates[name]()
            elapsed = time.perf_counter() - start
            if r >= warmup:
                times[name].append(elapsed)
    return times


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """Median over rounds of ``numerator[r] / denominator[r]`` (robust to drifting load).

    Pairs the first ``min(len)`` rounds: a candidate capped by ``max_rounds`` ran in those.
    """
    k = min(len(numerator), len(denominator))
    return statistics.median(a / b for a, b in zip(numerator[:k], denominator[:k], strict=True))


# ----------------------------------------------------------------------------- memory


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status (Linux only).")


def peak_rss_delta(fn: Callable[[], object], *, warmup: int = 1) -> int:
    """Bytes by which one call of ``fn`` raises the resident set above where it started.

    Runs ``fn`` ``warmup`` times first (one-time allocations: thread pools, lazy modules),
    then resets the kernel's high-water mark and reports ``VmHWM − VmRSS`` around one call.
    """
    for _ in range(warmup):
        fn()
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status_kib("VmRSS")
    fn()
    return (_status_kib("VmHWM") - before) * 1024


def limit_address_space(extra_bytes: int) -> None:
    """Let this process map at most ``extra_bytes`` more than it has mapped now.

    Relative to the current ``VmSize`` because importing torch alone maps gigabytes of
    libraries it never touches. A bigger allocation then fails with an error in this process.
    """
    limit = _status_kib("VmSize") * 1024 + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_ALLOC_FAILURE = re.compile(
    r"tried to allocate (\d+) bytes|Cannot allocate memory|MemoryError|bad_alloc"
)


def allocation_failure(text: str) -> tuple[bool, int | None]:
    """Whether ``text`` reports a failed allocation, and the bytes asked for when it says."""
    found = _ALLOC_FAILURE.search(text)
    if found is None:
        return False, None
    asked = re.search(r"tried to allocate (\d+) bytes", text)
    return True, int(asked.group(1)) if asked else None


def run_isolated(args: list[str], *, timeout: float) -> dict[str, object]:
    """Run ``python <args>`` in a fresh process; return the JSON object on its last line.

    The child is expected to call :func:`limit_address_space` and print one JSON line. On a
    failed allocation returns ``{"oom": True, "asked_bytes": n or None}``; any other failure
    raises with the child's stderr.
    """
    env = {**os.environ, **CHILD_ENV}
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env
    )
    if proc.returncode != 0:
        oom, asked = allocation_failure(proc.stderr)
        if oom:
            return {"oom": True, "asked_bytes": asked}
        raise RuntimeError(
            f"benchmark child {args} exited with {proc.returncode}:\n{proc.stderr[-4000:]}"
        )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
