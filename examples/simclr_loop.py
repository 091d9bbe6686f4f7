"""SimCLR on Fashion-MNIST with the training loop in plain sight (~2 minutes on 2 CPU cores).

The CLI (`contrastkit train`) adds checkpoints, resume, logging and DDP around the same
parts; this file shows the parts alone: data, batched augmentation, backbone + projection,
NT-Xent, and a kNN check of what the encoder learned.

    python examples/simclr_loop.py --steps 200
"""

from __future__ import annotations

import argparse

import torch

from contrastkit.augment import BatchedAugment, EvalTransform, SimCLRRecipe
from contrastkit.data import load_fashion_mnist
from contrastkit.diagnostics import alignment, uniformity
from contrastkit.evaluation import knn_accuracy
from contrastkit.methods import SimCLR
from contrastkit.nn import SmallCNN


@torch.no_grad()
def features(
    encoder: torch.nn.Module, images: torch.Tensor, prepare: EvalTransform
) -> torch.Tensor:
    encoder.eval()
    out = torch.cat([encoder(prepare(batch)) for batch in images.split(1024)])  # (N, dim)
    encoder.train()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--bank-size", type=int, default=20_000, help="train images in the kNN bank"
    )
    args = parser.parse_args()
    torch.manual_seed(0)

    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")  # uint8 (N, 1, 28, 28)
    recipe = SimCLRRecipe.for_fashion_mnist()
    augment = BatchedAugment(recipe, channels=1)  # per-sample random views, whole batch at once
    model = SimCLR(SmallCNN(in_channels=1), projection_hidden=512, temperature=0.5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps)

    for step in range(args.steps):
        batch = train.images[torch.randint(len(train), (args.batch_size,))]  # (B, 1, 28, 28)
        first, second = augment.two_views(batch)
        z = model.projection(model.backbone(torch.cat([first, second])))  # (2B, 128)
        z1, z2 = z.chunk(2)
        loss = model.criterion(z1, z2)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 50 == 0 or step == args.steps - 1:
            print(
                f"step {step:4d}  loss {loss.item():.3f}  "
                f"alignment {alignment(z1.detach(), z2.detach()):.3f}  "
                f"uniformity {uniformity(z1.detach()):.3f}"
            )

    prepare = EvalTransform(recipe, channels=1)
    bank = features(model.backbone, train.images[: args.bank_size], prepare)
    queries = features(model.backbone, test.images, prepare)
    assert train.labels is not None and test.labels is not None
    accuracy = knn_accuracy(bank, train.labels[: args.bank_size], queries, test.labels, k=200)
    print(f"kNN accuracy on the 10k test images (bank: {len(bank)} train images): {accuracy:.2%}")


if __name__ == "__main__":
    main()
