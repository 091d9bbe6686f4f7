"""One self-contained HTML page: every figure inlined as a base64 ``data:`` URI.

The page references no other file and no network address (no external CSS, script, font or
image), so it can be mailed, archived or opened from any folder, and a browser with no
network shows it whole.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
p.caption { color: #444; max-width: 60em; }
""".strip()


@dataclass(frozen=True)
class Section:
    """A figure of the page: its heading, PNG bytes and a sentence on how to read it."""

    title: str
    png: bytes
    caption: str = ""


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for PNG bytes."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not PNG bytes: the signature is missing")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def table(rows: Sequence[Sequence[object]], header: Sequence[str] | None = None) -> str:
    """An HTML table of the given cells (escaped)."""
    parts = ["<table>"]
    if header is not None:
        parts.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def render_page(
    title: str,
    sections: Sequence[Section],
    *,
    summary: Mapping[str, object] | None = None,
    notes: Sequence[str] = (),
    tables: Sequence[str] = (),
) -> str:
    """The page: title, a key/value summary table, notes, ``tables`` (HTML from
    :func:`table`), then each section's figure under its heading."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{_CSS}\n</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if summary:
        parts.append(table([(k, v) for k, v in summary.items()]))
    parts.extend(f"<p>{html.escape(note)}</p>" for note in notes)
    parts.extend(tables)
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.caption:
            parts.append(f'<p class="caption">{html.escape(section.caption)}</p>')
        parts.append(f'<img src="{data_uri(section.png)}" alt="{html.escape(section.title)}">')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
