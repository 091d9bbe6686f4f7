"""First-order attributions: complete, the difference form for "a rather than b", occlusion
as a check, and a planted patch found."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from contrastkit.encoders import load_encoder
from contrastkit.explain import attribute, explain, similarity_to
from contrastkit.explain.terminal import join_pieces
from contrastkit.text.encoder import TextEncoder

STEPS = 32
# integrated gradients' quadrature error at STEPS Gauss–Legendre nodes, relative to the
# explained difference f(x) − f(baseline): measured ≤ 2e-4 on these encoders
COMPLETENESS = 1e-3


@pytest.fixture(scope="module")
def tiny_encoder(tiny_bert_dir) -> TextEncoder:
    torch.manual_seed(0)
    return TextEncoder.from_pretrained(tiny_bert_dir).eval()


def _embedding(parts) -> torch.Tensor:
    return parts.embed(parts.inputs.unsqueeze(0))[0].detach()


def test_integrated_gradients_add_up_to_the_similarity_gained_over_the_baseline(tiny_encoder):
    q, a = (tiny_encoder.parts(t) for t in ("the cat sat on the mat", "a cat on a mat"))
    f = similarity_to(q, [_embedding(a)], [1.0])
    ig = attribute(q, f, steps=STEPS)
    gained = ig.value - ig.reference
    assert abs(float(ig.scores.sum()) - gained) == pytest.approx(ig.completeness_error, abs=1e-6)
    assert ig.completeness_error <= COMPLETENESS * abs(gained)
    assert ig.value == pytest.approx(float(F.cosine_similarity(_embedding(q), _embedding(a), 0)))


def test_why_a_rather_than_b_attributes_the_difference(tiny_encoder):
    why = explain(tiny_encoder, "red wine", "a glass of red wine", versus="green tea", steps=STEPS)
    ig = why.query.integrated_gradients
    assert ig.value == pytest.approx(why.similarity - why.versus_similarity, abs=1e-6)
    assert abs(float(ig.scores.sum()) - (ig.value - ig.reference)) <= COMPLETENESS
    assert why.versus is not None and why.versus.explained == "s(q, b)"
    assert join_pieces(why.query.parts.labels) == "red wine"  # word pieces, no [CLS]/[SEP]


def test_occlusion_of_a_part_equal_to_the_baseline_is_zero(tiny_encoder):
    q = tiny_encoder.parts("the cat sat")
    f = similarity_to(q, [torch.randn(tiny_encoder.dim)], [1.0])
    occluded = attribute(q, f, "occlusion")
    value, reference = occluded.value, occluded.reference
    # the drop from hiding every part at once is f(x) − f(baseline); one at a time need not add
    assert value - reference == pytest.approx(float(f(q.inputs[None]) - f(q.baseline[None])))
    same = type(q)(**{**q.__dict__, "inputs": q.baseline.clone()})  # every part already hidden
    # zero up to the rounding of a batched forward against a single one
    assert float(attribute(same, f, "occlusion").scores.abs().max()) < 1e-6


def test_gradient_times_input_and_unknown_methods(tiny_encoder):
    q = tiny_encoder.parts("the cat sat")
    f = similarity_to(q, [torch.randn(tiny_encoder.dim)], [1.0])
    x = q.inputs.clone().requires_grad_(True)
    f(x.unsqueeze(0)).sum().backward()
    expected = (x.grad * q.inputs).sum(dim=1)[1:-1]  # word pieces only, not [CLS]/[SEP]
    torch.testing.assert_close(attribute(q, f, "gradient_x_input").scores, expected)
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribute(q, f, "saliency")


def _plant(candidate: torch.Tensor, other: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """``other`` with the 8×8 block (2×2 patches of 4 px) of ``candidate`` that differs from it
    most pasted in; the indices of those 4 patches on the 7×7 grid."""
    blocks = [(r, c) for r in range(0, 21, 4) for c in range(0, 21, 4)]
    r, c = max(
        blocks,
        key=lambda b: float(
            (
                candidate[:, b[0] : b[0] + 8, b[1] : b[1] + 8].float()
                - other[:, b[0] : b[0] + 8, b[1] : b[1] + 8].float()
            )
            .abs()
            .sum()
        ),
    )
    query = other.clone()
    query[:, r : r + 8, c : c + 8] = candidate[:, r : r + 8, c : c + 8]
    return query, [(r // 4 + i) * 7 + c // 4 + j for i in (0, 1) for j in (0, 1)]


def test_a_patch_pasted_from_the_candidate_takes_the_attribution(image_corpus):
    """20 pairs of test images (a, d): the query is d with a's most different 8×8 block
    pasted in, explained as "why a rather than d". The planted block is 4 of 49 patches (8%
    of the area, 1 chance in 12 of holding the top part)."""
    encoder = load_encoder(image_corpus["export"], device="cpu")
    images = image_corpus["images"]
    shares, top_integrated, top_occluded = [], 0, 0
    for i in range(20):
        candidate, other = images[2 * i], images[2 * i + 1]
        query, planted = _plant(candidate, other)
        why = explain(encoder, query, candidate, versus=other, steps=STEPS, pairwise=False)
        scores = why.query.integrated_gradients.scores
        positive = scores.clamp(min=0)
        shares.append(float(positive[planted].sum() / positive.sum().clamp(min=1e-12)))
        top_integrated += int(scores.argmax()) in planted
        top_occluded += int(why.query.occlusion.scores.argmax()) in planted
    assert sorted(shares)[10] >= 3 * 4 / 49  # median share of what adds: ≥ 3× the area's
    assert top_integrated >= 6 and top_occluded >= 10  # chance: 1.6 of 20
    assert why.query.parts.grid == (7, 7) and why.query.parts.labels[8] == "row 2 col 2"
