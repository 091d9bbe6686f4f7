"""SupCon (methods/supcon.py): labels drive the loss; unlabelled data is refused."""

from __future__ import annotations

import pytest
import torch
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.cli import main
from contrastkit.methods import SupCon
from contrastkit.types import Views
from reference.losses import supcon_ref


def labelled(views: Views, labels: torch.Tensor) -> Views:
    return Views(views.first, views.second, labels)


def test_loss_matches_khosla_eq_2_over_both_views():
    method = tiny_method(SupCon, temperature=0.2)
    views = labelled(tiny_views(), torch.tensor([0, 1, 0, 2, 1, 0]))

    def reference():
        z = method.projection(method.backbone(torch.cat([views.first, views.second])))
        return supcon_ref(z, views.labels.repeat(2), 0.2)

    assert_step_matches_reference(method, views, reference)


def test_changing_the_labels_changes_the_loss():
    method = tiny_method(SupCon)
    views = tiny_views()
    a = method.training_step(labelled(views, torch.tensor([0, 0, 1, 1, 2, 2]))).loss
    b = method.training_step(labelled(views, torch.tensor([0, 1, 2, 0, 1, 2]))).loss
    same = method.training_step(labelled(views, torch.tensor([5, 5, 3, 3, 9, 9]))).loss
    assert not torch.isclose(a, b)
    torch.testing.assert_close(a, same)  # only which samples share a class matters


@pytest.mark.parametrize(
    "labels", [None, torch.tensor([0, 1, -1, 1, 0, 2])], ids=["no-labels", "an-unlabelled-sample"]
)
def test_unlabelled_batches_are_refused_with_a_clear_message(labels):
    method = tiny_method(SupCon)
    with pytest.raises(ValueError, match="supcon needs a labelled dataset"):
        method.training_step(labelled(tiny_views(), labels))


def test_defaults_follow_the_paper():
    method = SupCon(tiny_method(SupCon).backbone)
    assert method.criterion.temperature == 0.1 and SupCon.needs_labels
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in method.projection)


@pytest.mark.usefixtures("fashion_mnist_available")
def test_cli_trains_supcon_on_fashion_mnist_with_its_labels(tmp_path, monkeypatch):
    seen: list[torch.Tensor] = []
    step = SupCon.training_step

    def recording(self, views):
        seen.append(views.labels.clone())
        return step(self, views)

    monkeypatch.setattr(SupCon, "training_step", recording)
    argv = ["train", "--method", "supcon", "--data", "fashion-mnist", "--steps", "2"]
    argv += ["--out", str(tmp_path), "--device", "cpu", "--quiet"]
    for setting in ("data.max_samples=64", "optim.batch_size=32", "model.backbone=mlp"):
        argv += ["--set", setting]
    assert main(argv) == 0
    assert len(seen) == 2 and all(((y >= 0) & (y < 10)).all() for y in seen)
    assert all(len(torch.unique(y)) > 1 for y in seen)  # real classes, not a constant


def test_classifier_adds_cross_entropy_on_both_views():
    method = tiny_method(SupCon, temperature=0.2, num_classes=3, contrastive_weight=0.5)
    views = labelled(tiny_views(), torch.tensor([0, 1, 0, 2, 1, 0]))

    def reference():
        h = method.backbone(torch.cat([views.first, views.second]))
        y = views.labels.repeat(2)
        ce = torch.nn.functional.cross_entropy(method.classifier(h), y)
        return 0.5 * supcon_ref(method.projection(h), y, 0.2) + ce

    assert_step_matches_reference(method, views, reference)


def test_contrastive_weight_zero_is_supervised_only_training():
    method = tiny_method(SupCon, num_classes=3, contrastive_weight=0.0)
    views = labelled(tiny_views(), torch.tensor([0, 1, 0, 2, 1, 0]))

    def reference():
        h = method.backbone(torch.cat([views.first, views.second]))
        return torch.nn.functional.cross_entropy(method.classifier(h), views.labels.repeat(2))

    assert_step_matches_reference(method, views, reference)
    assert method.predict(views.first).shape == (6,)


def test_supcon_without_a_classifier_cannot_predict_or_drop_its_only_loss():
    with pytest.raises(ValueError, match="no classifier"):
        tiny_method(SupCon).predict(tiny_views().first)
    with pytest.raises(ValueError, match="leaves no loss"):
        tiny_method(SupCon, contrastive_weight=0.0)
