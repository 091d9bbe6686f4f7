"""Linear probe (evaluation/linear_probe.py): separable blobs, train-only standardisation,
the folded classifier, the minimiser, determinism, rejections."""

from __future__ import annotations

import pytest
import torch

from contrastkit.evaluation import LinearProbeResult, linear_probe
from contrastkit.evaluation.linear_probe import Standardizer


def blobs(
    n_per_class: int, centers: torch.Tensor, gen: torch.Generator, noise: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian blobs around ``centers`` (C, D): n_per_class rows each, labels 0..C−1."""
    c, d = centers.shape
    y = torch.arange(c).repeat_interleave(n_per_class)
    return centers[y] + noise * torch.randn(c * n_per_class, d, generator=gen), y


def four_blobs(seed: int = 0) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    centers = 6.0 * torch.randn(4, 16, generator=gen)
    return (*blobs(100, centers, gen), *blobs(50, centers, gen))


def test_separable_blobs_are_learned():
    result = linear_probe(*four_blobs(), epochs=30)
    assert isinstance(result, LinearProbeResult)
    assert result.train_accuracy >= 0.99
    assert result.test_accuracy >= 0.99


def test_features_on_wildly_different_scales():
    # feature 0 separates the classes but lives at scale 1e-3; the others are 1e3-scale noise
    gen = torch.Generator().manual_seed(1)
    y = torch.randint(0, 2, (600,), generator=gen)
    x = torch.randn(600, 8, generator=gen) * 1e3
    x[:, 0] = (2.0 * y - 1.0 + 0.2 * torch.randn(600, generator=gen)) * 1e-3
    result = linear_probe(x[:400], y[:400], x[400:], y[400:], epochs=30)
    assert result.test_accuracy >= 0.99


def test_classifier_maps_raw_features_to_the_reported_predictions():
    x_train, y_train, x_test, y_test = four_blobs()
    x_train, x_test = x_train * 50 + 7, x_test * 50 + 7  # far from standardised
    result = linear_probe(x_train, y_train, x_test, y_test, epochs=5)
    assert result.classifier.in_features == 16
    assert result.classifier.out_features == 4
    with torch.no_grad():
        test_acc = (result.classifier(x_test).argmax(1) == y_test).double().mean().item()
        train_acc = (result.classifier(x_train).argmax(1) == y_train).double().mean().item()
    assert test_acc == result.test_accuracy
    assert train_acc == result.train_accuracy


# --- standardisation uses the TRAIN statistics ------------------------------------------------


def test_standardizer_applies_train_statistics_to_the_test_set():
    gen = torch.Generator().manual_seed(2)
    train = torch.randn(1000, 3, generator=gen, dtype=torch.float64) * torch.tensor([1.0, 2, 4])
    standardize = Standardizer.fit(train)
    z = standardize(train)
    torch.testing.assert_close(z.mean(0), torch.zeros(3, dtype=torch.float64))
    torch.testing.assert_close(z.std(0, unbiased=False), torch.ones(3, dtype=torch.float64))
    # a test set shifted by (5, 5, 5) keeps its shift, in units of the TRAIN std
    shifted = standardize(train + 5.0)
    torch.testing.assert_close(shifted.mean(0), 5.0 / standardize.std)


def test_standardizer_leaves_constant_features_at_zero():
    x = torch.tensor([[1.0, 3.0], [2.0, 3.0], [3.0, 3.0]])
    z = Standardizer.fit(x)(x)
    assert torch.equal(z[:, 1], torch.zeros(3))


def test_probe_standardises_the_test_set_with_train_statistics():
    # two classes split by the sign of feature 0. Shifting the whole test set far along
    # feature 0 puts every test row on the class-1 side: accuracy ≈ 0.5 with the train
    # statistics, but ≈ 1 if the probe (wrongly) re-centred the test set on its own mean.
    gen = torch.Generator().manual_seed(3)
    centers = torch.tensor([[-3.0, 0.0, 0.0], [3.0, 0.0, 0.0]])
    x_train, y_train = blobs(200, centers, gen)
    x_test, y_test = blobs(200, centers, gen)
    same = linear_probe(x_train, y_train, x_test, y_test, epochs=20)
    assert same.test_accuracy >= 0.99
    x_test[:, 0] += 20.0
    shifted = linear_probe(x_train, y_train, x_test, y_test, epochs=20)
    assert shifted.test_accuracy == pytest.approx(0.5, abs=0.01)
    assert shifted.train_accuracy == same.train_accuracy


# --- the minimiser, determinism and options ---------------------------------------------------


def objective_gradient(result, x, y, weight_decay):
    """Gradient of the probe's objective at its answer, unfolded back to standardised space."""
    standardize = Standardizer.fit(x)
    w = (result.classifier.weight * standardize.std).detach().requires_grad_()  # W = W' · std
    b = (result.classifier.bias + result.classifier.weight @ standardize.mean).detach()
    b.requires_grad_()
    loss = torch.nn.functional.cross_entropy(standardize(x) @ w.t() + b, y)
    (loss + 0.5 * weight_decay * w.pow(2).sum()).backward()
    return torch.cat([w.grad.flatten(), b.grad])


def test_reports_the_minimiser_of_the_regularised_objective():
    # overlapping classes + weight decay: a strongly convex problem with a unique minimiser
    gen = torch.Generator().manual_seed(5)
    x, y = torch.randn(300, 6, generator=gen) * 3 + 1, torch.randint(0, 3, (300,), generator=gen)
    result = linear_probe(x, y, x, y, epochs=100, weight_decay=0.1)
    assert objective_gradient(result, x, y, 0.1).abs().max() < 1e-4


def test_deterministic_and_row_order_invariant():
    x_train, y_train, x_test, y_test = four_blobs(seed=4)
    first = linear_probe(x_train, y_train, x_test, y_test, epochs=20, weight_decay=0.01)
    again = linear_probe(x_train, y_train, x_test, y_test, epochs=20, weight_decay=0.01)
    assert torch.equal(first.classifier.weight, again.classifier.weight)
    assert torch.equal(first.classifier.bias, again.classifier.bias)
    perm = torch.randperm(len(y_train))
    shuffled = linear_probe(
        x_train[perm], y_train[perm], x_test, y_test, epochs=20, weight_decay=0.01
    )
    torch.testing.assert_close(
        shuffled.classifier.weight, first.classifier.weight, atol=1e-3, rtol=1e-3
    )
    assert shuffled.test_accuracy == first.test_accuracy


def test_chunked_equals_full_batch():
    data = four_blobs(seed=6)
    whole = linear_probe(*data, epochs=10, weight_decay=0.01)
    chunked = linear_probe(*data, epochs=10, weight_decay=0.01, chunk_size=37)
    torch.testing.assert_close(
        chunked.classifier.weight, whole.classifier.weight, atol=1e-4, rtol=1e-4
    )
    assert chunked.test_accuracy == whole.test_accuracy


def test_num_classes_covers_test_only_classes():
    x_train, y_train, x_test, y_test = four_blobs()
    keep = y_train < 3  # class 3 never seen in training: always wrong on the test set
    result = linear_probe(x_train[keep], y_train[keep], x_test, y_test, epochs=20)
    assert result.classifier.out_features == 4
    assert result.test_accuracy == pytest.approx(0.75, abs=0.01)
    assert linear_probe(*four_blobs(), epochs=1, num_classes=9).classifier.out_features == 9


def test_weight_decay_shrinks_the_weights():
    data = four_blobs()
    plain = linear_probe(*data, epochs=20, weight_decay=0.0)
    decayed = linear_probe(*data, epochs=20, weight_decay=1.0)
    assert decayed.classifier.weight.norm() < 0.5 * plain.classifier.weight.norm()


def test_half_precision_features():
    x_train, y_train, x_test, y_test = four_blobs()
    result = linear_probe(x_train.half(), y_train, x_test.bfloat16(), y_test, epochs=20)
    assert result.test_accuracy >= 0.99
    assert result.classifier.weight.dtype == torch.float32


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs must be"),
        ({"chunk_size": 0}, "chunk_size must be"),
        ({"weight_decay": -1.0}, "weight_decay must be >= 0"),
        ({"num_classes": 3}, "num_classes is 3"),
        ({"x_test": torch.randn(200, 15)}, "must match"),
        ({"y_train": torch.zeros(400)}, "integer tensor"),
        ({"y_test": torch.zeros(199, dtype=torch.long)}, r"shape \(200,\)"),
        ({"x_train": torch.full((400, 16), float("inf"))}, "NaN or infinite"),
    ],
)
def test_rejections(kwargs, match):
    x_train, y_train, x_test, y_test = four_blobs()
    data = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    data.update({key: kwargs.pop(key) for key in list(kwargs) if key in data})
    with pytest.raises(ValueError, match=match):
        linear_probe(data["x_train"], data["y_train"], data["x_test"], data["y_test"], **kwargs)
