"""An explanation as terminal text: each side's parts coloured by score (sequences), or its top
parts listed (pictures), and the strongest matches of the pairwise map."""

from __future__ import annotations

from contrastkit.explain.explanation import Explanation, Side

RESET = "\033[0m"


def _background(score: float, limit: float) -> str:
    """A 24-bit ANSI background: red for positive, blue for negative, as strong as |score|."""
    strength = min(1.0, abs(score) / limit) if limit > 0 else 0.0
    fade = int(255 - 175 * strength)
    red, blue = (255, fade) if score >= 0 else (fade, 255)
    return f"\033[48;2;{red};{fade};{blue}m\033[38;2;0;0;0m"


def join_pieces(labels: list[str], marks: list[str] | None = None) -> str:
    """Word pieces as text: ``##`` pieces glued to the word before, others spaced."""
    out = []
    for i, label in enumerate(labels):
        glued = label.startswith("##")
        piece = label[2:] if glued else label
        if marks is not None:
            piece = f"{marks[i]}{piece}{RESET}"
        out.append(piece if glued or i == 0 else " " + piece)
    return "".join(out)


def _side(side: Side, k: int, color: bool) -> list[str]:
    ig = side.integrated_gradients
    head = (
        f"{side.role}: what adds to {side.explained} = {ig.value:.4f} "
        f"(baseline: {side.parts.baseline_name} → {ig.reference:.4f}; "
        f"completeness error {ig.completeness_error:.1e})"
    )
    lines = [head]
    scores = ig.scores.tolist()
    if side.parts.grid is None and color:
        limit = max(abs(s) for s in scores)
        marks = [_background(s, limit) for s in scores]
        lines.append("  " + join_pieces(side.parts.labels, marks))
    tops = ", ".join(f"{label} {score:+.3f}" for label, score in side.top(k))
    lines.append(f"  top parts: {tops}")
    return lines


def render(explanation: Explanation, *, k: int = 5, color: bool = True) -> str:
    """The explanation in a few lines (``color``: ANSI colours for text parts)."""
    e = explanation
    lines = [f"s(q, a) = {e.similarity:.4f}"]
    if e.versus_similarity is not None:
        lines[0] += f", s(q, b) = {e.versus_similarity:.4f}"
    for side in e.sides:
        lines += _side(side, k, color)
    if e.pairwise is not None:
        values = e.pairwise.values[:-1, :-1]
        order = values.flatten().argsort(descending=True)[:k].tolist()
        cols = values.shape[1]
        pairs = ", ".join(
            f"{e.pairwise.rows[i // cols]} ↔ {e.pairwise.columns[i % cols]} "
            f"{float(values.flatten()[i]):+.3f}"
            for i in order
        )
        lines.append(f"matching parts (query ↔ candidate): {pairs}")
        lines.append(f"  pairwise map completeness error {e.pairwise.completeness_error:.1e}")
    lines.append(f"({e.seconds:.2f} s, {e.steps} integration steps)")
    return "\n".join(lines)
