"""One SGNS step equals the hand-derived update; the InfoNCE variant masks shared contexts."""

from __future__ import annotations

import torch

from contrastkit.tasks.words.method import Word2Vec, sgns_loss
from contrastkit.tasks.words.stream import WordPairs


def test_one_sgd_step_is_the_hand_derived_word2vec_update():
    torch.manual_seed(0)
    model = Word2Vec(6, 4).double()
    with torch.no_grad():
        model.output.weight.normal_()  # zero outputs would hide the input's gradient
    v0, u0 = model.input.weight.detach().clone(), model.output.weight.detach().clone()
    pairs = WordPairs(torch.tensor([1]), torch.tensor([2]), torch.tensor([[3, 4, 2]]), words=1)
    alpha = 0.025
    optimizer = torch.optim.SGD(model.parameters(), lr=alpha)
    model.training_step(pairs).loss.backward()
    assert model.input.weight.grad.is_sparse  # only the touched rows
    optimizer.step()

    v, u = v0[1], u0[2]
    g_pos = 1 - torch.sigmoid(v @ u)  # word2vec's (label − σ) for the context
    g_neg = [-torch.sigmoid(v @ u0[k]) for k in (3, 4)]  # noise words; 2 = the context, skipped
    expect_v = v + alpha * (g_pos * u + g_neg[0] * u0[3] + g_neg[1] * u0[4])
    expect_u = u + alpha * g_pos * v
    expect_n = [u0[k] + alpha * g * v for k, g in zip((3, 4), g_neg, strict=True)]
    assert torch.allclose(model.input.weight[1], expect_v, atol=1e-12)
    assert torch.allclose(model.output.weight[2], expect_u, atol=1e-12)
    for k, e in zip((3, 4), expect_n, strict=True):
        assert torch.allclose(model.output.weight[k], e, atol=1e-12)
    untouched = [0, 2, 3, 4, 5]
    assert torch.equal(model.input.weight[untouched], v0[untouched])


def test_sgns_loss_equals_its_formula_summed_over_pairs():
    g = torch.Generator().manual_seed(1)
    v, u, n = (
        torch.randn(5, 3, generator=g),
        torch.randn(5, 3, generator=g),
        torch.randn(5, 2, 3, generator=g),
    )
    valid = torch.tensor([[True, False]] * 5)
    expect = sum(
        -torch.log(torch.sigmoid(v[p] @ u[p])) - torch.log(torch.sigmoid(-(n[p, 0] @ v[p])))
        for p in range(5)
    )
    assert torch.allclose(sgns_loss(v, u, n, valid), expect, atol=1e-5)


def test_the_info_nce_variant_does_not_push_away_a_shared_context():
    torch.manual_seed(0)
    model = Word2Vec(5, 8, loss="info_nce", temperature=0.5, group=8)
    shared = WordPairs(torch.tensor([0, 1]), torch.tensor([2, 2]), torch.empty(2, 0).long(), 2)
    loss = model.training_step(shared).loss
    # both pairs have context 2: each one's only other candidate is masked, so the loss is 0
    assert abs(loss.item()) < 1e-6
    distinct = WordPairs(torch.tensor([0, 1]), torch.tensor([2, 3]), torch.empty(2, 0).long(), 2)
    assert model.training_step(distinct).loss.item() > 0.1
