"""The ``contrastkit`` command line: one Typer app; ``main(argv) -> int`` runs it in-process.

User mistakes (bad options, missing data, invalid values, unreadable or unwritable files, a
full disk) end with one line on stderr and a non-zero exit code; anything else is a bug and
keeps its traceback. ``--debug`` (anywhere on the line) or ``CONTRASTKIT_DEBUG=1`` shows the
traceback of a user mistake too. Warnings the library logs
(e.g. image files skipped as unreadable) are printed as ``warning: ...`` lines on stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

import typer

from contrastkit.cli import (
    demo,
    embed,
    evaluate,
    explain,
    export,
    index,
    mine,
    recommend,
    report,
    search,
    serve,
    sweep,
    train,
)

app = typer.Typer(
    name="contrastkit",
    help="Contrastive representation learning: train, evaluate, embed, search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("demo")(demo.demo)
app.command("train")(train.train)
app.command("eval")(evaluate.evaluate)
app.command("embed")(embed.embed)
app.command("export")(export.export)
app.command("report")(report.report)
app.command("sweep")(sweep.sweep)
app.command("index")(index.index)
app.command("search")(search.search)
app.command("serve")(serve.serve)
app.command("mine")(mine.mine)
app.command("explain")(explain.explain)
app.command("recommend")(recommend.recommend)


@app.callback()
def _root() -> None:
    """Contrastive representation learning: train, evaluate, embed, search."""


class UserError(Exception):
    """A mistake the user can fix; the CLI prints its message as one line."""


class _WarningLines(logging.Handler):
    """contrastkit's log records of WARNING and above as ``warning: ...`` lines on stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # the current sys.stderr, not the one at construction (in-process callers swap it)
            print(f"{record.levelname.lower()}: {record.getMessage()}", file=sys.stderr)
        except Exception:
            self.handleError(record)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = list(argv) if argv is not None else sys.argv[1:]
    debug = "--debug" in args or os.environ.get("CONTRASTKIT_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    # attached for this call only, so in-process callers keep their own logging set-up;
    # records still propagate to the root logger's handlers, if any
    logger, handler = logging.getLogger("contrastkit"), _WarningLines()
    logger.addHandler(handler)
    try:
        return _run(args, debug)
    finally:
        logger.removeHandler(handler)


def _run(args: list[str], debug: bool) -> int:
    try:
        result = app(args=args, prog_name="contrastkit", standalone_mode=False)
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except (UserError, ValueError, OSError, ImportError) as e:  # OSError: files, disks…
        if debug:
            raise
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 1
    except Exception as e:
        # Usage errors (unknown option, bad value) are click's ClickException, which Typer
        # vendors under a private path in recent releases: recognise it by its interface.
        if hasattr(e, "format_message") and hasattr(e, "exit_code"):
            print(f"error: {e.format_message()}", file=sys.stderr)
            return int(e.exit_code)
        raise
    return result if isinstance(result, int) else 0


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    if isinstance(e, OSError) and e.filename and str(e.filename) not in text:
        text += f" ({e.filename})"
    return text


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
