"""What the image report and sweep read from a trained run: images, embeddings, two-view pairs.

The figure files of ``contrastkit.report`` take tensors; this gathers them from an image run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from contrastkit.data import ImageArrays
from contrastkit.methods.base import encoder_of
from contrastkit.types import Views

if TYPE_CHECKING:
    from contrastkit.engine.run import TrainedRun

MAX_TRAIN = 10_000  # train bank size when the run's eval.max_train does not say
GEOMETRY_SAMPLES = 2000  # test images for two-view similarities and uniformity (O(N²))


def sample_images(data: Any, n: int | None, *, seed: int = 0) -> ImageArrays:
    """Up to ``n`` images of ``data`` drawn at random (seeded), kept in index order, in memory.

    A random draw, not the first ``n``, because a folder lists its images class by class.
    ``data`` is :class:`ImageArrays` or a dataset with ``subset`` and ``to_arrays`` (an image
    folder); ``n=None`` keeps every image.
    """
    if n is not None and n < len(data):
        generator = torch.Generator().manual_seed(seed)
        data = data.subset(torch.randperm(len(data), generator=generator)[:n].sort().values)
    if isinstance(data, ImageArrays):
        return data
    to_arrays = getattr(data, "to_arrays", None)
    if not callable(to_arrays):
        raise TypeError(f"cannot read the images of {type(data).__name__} into memory")
    arrays = to_arrays(progress=False)
    assert isinstance(arrays, ImageArrays)
    return arrays


def labels_of(data: ImageArrays) -> torch.Tensor:
    """The class of each image, −1 for every image when the data is unlabelled. ``(N,)``."""
    if data.labels is None:
        return torch.full((len(data),), -1, dtype=torch.int64)
    return data.labels


@dataclass(frozen=True)
class ViewPairs:
    """Two random views of the same N images, seen by a trained method.

    ``z1``/``z2`` are the projections the method's loss compares (what ``training_step``
    returns to the loop, so the same space as the logged alignment and uniformity);
    ``h1``/``h2`` the representations the encoder gives (what kNN and search use).
    Shapes: z (N, D), h (N, dim), float32 on CPU.
    """

    z1: torch.Tensor
    z2: torch.Tensor
    h1: torch.Tensor
    h2: torch.Tensor


@torch.no_grad()
def view_pairs(
    method: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    two_views: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    *,
    device: torch.device,
    batch_size: int = 256,
    seed: int = 0,
) -> ViewPairs:
    """Run ``method.training_step`` (in its current mode, no gradient) on two views per image.

    ``two_views`` is the training augmentation (e.g. ``BatchedAugment.two_views``); it draws
    from torch's global generator, which is reseeded with ``seed`` inside a forked RNG state
    so the caller's random stream is left as it was. Methods that keep state between steps
    (a MoCo queue, a DINO centre) update it as in training: use a model you can discard.

    Shapes: images uint8 (N, C, H, W), labels (N,) → :class:`ViewPairs` of N rows.
    """
    encoder = encoder_of(method)
    parts: dict[str, list[torch.Tensor]] = {"z1": [], "z2": [], "h1": [], "h2": []}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for start in range(0, images.shape[0], batch_size):
            batch = images[start : start + batch_size].to(device)
            first, second = two_views(batch)  # (B, C, S, S) each
            views = Views(first, second, labels[start : start + batch_size].to(device))
            out = method.training_step(views)  # type: ignore[operator]  # the Method contract
            for name, value in (
                ("z1", out.z1),
                ("z2", out.z2),
                ("h1", encoder(first)),
                ("h2", encoder(second)),
            ):
                parts[name].append(value.float().cpu())
    return ViewPairs(**{name: torch.cat(values) for name, values in parts.items()})


@dataclass(frozen=True)
class EmbeddedRun:
    """A trained run with a labelled test sample and a train bank, both embedded.

    Shapes: ``bank_h`` (N_bank, dim), ``test_h`` (N_test, dim); labels −1 where unlabelled.
    """

    trained: Any  # engine.run.TrainedRun
    bank: ImageArrays
    test: ImageArrays
    bank_h: torch.Tensor
    test_h: torch.Tensor
    two_views: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    device: torch.device

    def knn_accuracy(self, *, k: int, temperature: float) -> float | None:
        """Weighted kNN accuracy of the test sample against the bank, or None when either
        holds unlabelled images."""
        from contrastkit.evaluation import knn_accuracy

        test_y, bank_y = labels_of(self.test), labels_of(self.bank)
        if bool((test_y < 0).any()) or bool((bank_y < 0).any()):
            return None
        return float(
            knn_accuracy(self.bank_h, bank_y, self.test_h, test_y, k=k, temperature=temperature)
        )

    def pairs(self, n: int | None = None, *, seed: int = 0) -> ViewPairs:
        """:func:`view_pairs` of the first ``n`` test images (all by default)."""
        images, labels = self.test.images[:n], labels_of(self.test)[:n]
        return view_pairs(
            self.trained.method, images, labels, self.two_views, device=self.device, seed=seed
        )


def embed_run(
    trained: TrainedRun,
    *,
    device: torch.device,
    max_test: int | None,
    max_train: int | None,
    eval_source: str | None = None,
    seed: int = 0,
    progress: bool = True,
) -> EmbeddedRun:
    """Draw ``max_test`` test images of a reopened run and take the first ``max_train``
    training images as the bank (as ``contrastkit eval`` does), and embed both.

    ``max_train=None``: the run's ``eval.max_train``, else :data:`MAX_TRAIN`.

    ``eval_source`` replaces the run's labelled evaluation data (default: its test split).

    Raises:
        ValueError: when the run's data has no test split and no ``eval_source`` is given.
    """
    from contrastkit.augment import BatchedAugment
    from contrastkit.tasks.images.build import load_eval_data, load_image_data
    from contrastkit.tasks.images.embed import embed_images, eval_transform

    cfg = trained.config
    if eval_source is not None:
        cfg = cfg.model_copy(
            update={"data": cfg.data.model_copy(update={"eval_source": eval_source})}
        )
    test_data = load_eval_data(cfg)
    if test_data is None:
        raise ValueError(f"{cfg.data.source} has no test split; pass labelled data with --data")
    max_train = max_train or cfg.eval.max_train or MAX_TRAIN
    bank_cfg = cfg.model_copy(
        update={"data": cfg.data.model_copy(update={"max_samples": max_train})}
    )
    train = load_image_data(bank_cfg)
    bank, test = sample_images(train.train, None), sample_images(test_data, max_test, seed=seed)
    encoder = encoder_of(trained.method)
    prepare = eval_transform(trained.record["input"], device)
    bank_h, _ = embed_images(
        encoder, bank, prepare, device=device, progress=progress, desc="embed bank"
    )
    test_h, _ = embed_images(
        encoder, test, prepare, device=device, progress=progress, desc="embed test"
    )
    augment = BatchedAugment(train.recipe, train.channels).to(device)
    return EmbeddedRun(trained, bank, test, bank_h, test_h, augment.two_views, device)
