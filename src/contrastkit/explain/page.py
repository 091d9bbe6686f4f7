"""An explanation as HTML (self-contained: pictures inlined) and as files in a folder:
``explanation.html``, ``explanation.json`` and the PNGs (``query.png``, ``candidate.png``,
``versus.png`` for pictures, ``pairwise.png``)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from contrastkit.explain.explanation import Explanation, Side
from contrastkit.explain.figures import heat_map_png, pairwise_png
from contrastkit.report.html import data_uri

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em;
       color: #222; }
.explain .tokens { line-height: 2; font-size: 1.05em; }
.explain .tokens span { padding: 0.1em 0.15em; border-radius: 3px; }
.explain .note { color: #555; font-size: 0.9em; }
.explain img { max-width: 100%; height: auto; }
""".strip()


def _colour(score: float, limit: float) -> str:
    strength = min(1.0, abs(score) / limit) if limit > 0 else 0.0
    rgb = "220, 50, 40" if score >= 0 else "40, 90, 220"
    return f"rgba({rgb}, {0.75 * strength:.3f})"


def _tokens(side: Side) -> str:
    scores = side.integrated_gradients.scores.tolist()
    limit = max(abs(s) for s in scores)
    spans: list[str] = []
    for label, score in zip(side.parts.labels, scores, strict=True):
        glued = label.startswith("##")
        text = html.escape(label[2:] if glued else label)
        span = (
            f'<span style="background:{_colour(score, limit)}" title="{score:+.4f}">{text}</span>'
        )
        spans.append(span if glued or not spans else " " + span)
    return f'<div class="tokens">{"".join(spans)}</div>'


def pictures(explanation: Explanation) -> dict[str, bytes]:
    """The PNGs of an explanation, by file name."""
    out = {f"{s.role}.png": heat_map_png(s) for s in explanation.sides if s.parts.grid}
    if explanation.pairwise is not None:
        out["pairwise.png"] = pairwise_png(explanation.pairwise)
    return out


def fragment(explanation: Explanation, images: dict[str, bytes] | None = None) -> str:
    """The explanation as an HTML ``<div>`` (what the search page shows under "why?")."""
    e = explanation
    images = pictures(e) if images is None else images
    head = f"s(q, a) = {e.similarity:.3f}"
    if e.versus_similarity is not None:
        head += f", s(q, b) = {e.versus_similarity:.3f}"
    blocks = [f'<div class="explain"><p><b>{html.escape(head)}</b></p>']
    for side in e.sides:
        ig = side.integrated_gradients
        blocks.append(f"<h3>{side.role}: what adds to {html.escape(side.explained)}</h3>")
        if side.parts.grid is None:
            blocks.append(_tokens(side))
        else:
            uri = data_uri(images[f"{side.role}.png"])
            blocks.append(f'<img alt="{side.role} heat map" src="{uri}">')
        tops = ", ".join(f"{html.escape(label)} {score:+.3f}" for label, score in side.top(5))
        blocks.append(
            f'<p class="note">top: {tops}. Integrated gradients from '
            f"{html.escape(side.parts.baseline_name)} ({ig.reference:+.3f} there), "
            f"completeness error {ig.completeness_error:.1e}.</p>"
        )
    if e.pairwise is not None:
        uri = data_uri(images["pairwise.png"])
        blocks.append("<h3>which query part matches which candidate part</h3>")
        blocks.append(f'<img alt="pairwise map" src="{uri}">')
        blocks.append(
            f'<p class="note">The cells sum to s(q, a) up to '
            f"{e.pairwise.completeness_error:.1e}; red adds, blue takes away.</p>"
        )
    blocks.append("</div>")
    return "\n".join(blocks)


def save(explanation: Explanation, directory: str | Path) -> Path:
    """Write the page, the numbers and the PNGs into ``directory``; returns the page's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    images = pictures(explanation)
    for name, png in images.items():
        (directory / name).write_bytes(png)
    (directory / "explanation.json").write_text(json.dumps(explanation.to_dict(), indent=1))
    page = directory / "explanation.html"
    page.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>explanation</title>'
        f"<style>{_CSS}</style></head><body><h1>Why is the candidate near the query?</h1>"
        f"{fragment(explanation, images)}</body></html>"
    )
    return page
