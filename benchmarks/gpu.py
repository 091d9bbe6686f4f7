"""Everything a GPU session should measure, in one command (issue #19):

1. the bf16 (and fp32) matmul rate of this device, measured here — the roof for MFU;
2. the SimCLR training step, images/s: ResNet-18 at 32×32 and ResNet-50 at 224×224, ours
   (on-device batched augmentation, channels-last, bf16 autocast with the loss in float32,
   optionally `torch.compile`) beside lightly's composition (torchvision ResNet + lightly's
   `SimCLRProjectionHead` and `NTXentLoss`, the same batch, the same precision), both fed
   the same uint8 images already on the device (lightly's own DataLoader pipeline is CPU
   bound and would measure the host, not the GPU);
3. model FLOPs utilisation: 3 × forward FLOPs per image (forward + backward), counted by
   `torch.utils.flop_counter`, × images/s ÷ the measured bf16 matmul rate;
4. the NT-Xent kernel, forward + backward, ours beside lightly's at N = 4,096, D = 128 / 512.

No host syncs inside the timed steps (one `synchronize` per timing window). `--smoke` runs
the same code at tiny sizes on whatever device there is (the test suite runs it on CPU);
lightly is optional (`pip install -r benchmarks/requirements.txt`): without it its columns say so.

    python benchmarks/gpu.py [--smoke] [--compile] [--json OUT.json] [--no-append]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from contrastkit.augment import BatchedAugment, SimCLRRecipe
from contrastkit.losses import NTXentLoss
from contrastkit.nn import build_backbone
from contrastkit.nn.heads import simclr_projection

FULL = {
    "matmul": 8192,
    "simclr": [("resnet18", 32, 512), ("resnet50", 224, 256)],
    "loss": [(4096, 128), (4096, 512)],
    "steps": 20,
}
SMOKE = {"matmul": 256, "simclr": [("resnet18", 32, 8)], "loss": [(64, 16)], "steps": 2}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], Any], device: torch.device, steps: int, warmup: int = 2) -> float:
    """Seconds per call: ``warmup`` calls, then one window of ``steps`` calls."""
    for _ in range(warmup):
        fn()
    _sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        fn()
    _sync(device)
    return (time.perf_counter() - started) / steps


def matmul_rate(device: torch.device, n: int, dtype: torch.dtype, steps: int) -> float:
    """FLOP/s of an n×n×n matmul in ``dtype``."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    seconds = timed(lambda: a @ b, device, steps)
    return 2 * n**3 / seconds


class OurSimCLR(nn.Module):
    def __init__(self, arch: str, size: int) -> None:
        super().__init__()
        self.backbone = build_backbone(arch, in_channels=3, image_size=size)
        self.projection = simclr_projection(self.backbone.dim, hidden=2048, out=128)
        self.loss = NTXentLoss(temperature=0.5)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        z = self.projection(self.backbone(torch.cat([x1, x2])))
        z1, z2 = z.float().chunk(2)  # the loss in float32
        return self.loss(z1, z2)


class LightlySimCLR(nn.Module):
    def __init__(self, arch: str, size: int) -> None:
        super().__init__()
        import torchvision
        from lightly.loss import NTXentLoss as LightlyNTXent
        from lightly.models.modules import SimCLRProjectionHead

        net = getattr(torchvision.models, arch)()
        if size <= 64:  # the CIFAR stem, as ours uses at this size
            net.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            net.maxpool = nn.Identity()
        dim = net.fc.in_features
        net.fc = nn.Identity()
        self.backbone = net
        self.projection = SimCLRProjectionHead(dim, 2048, 128)
        self.loss = LightlyNTXent(temperature=0.5)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        z = self.projection(self.backbone(torch.cat([x1, x2])))
        z1, z2 = z.float().chunk(2)
        return self.loss(z1, z2)


def forward_flops(model: nn.Module, x: torch.Tensor) -> float:
    """FLOPs of one image's forward pass through the backbone and the projection."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.projection(model.backbone(x))
    return counter.get_total_flops() / len(x)


def simclr_rate(
    model: nn.Module,
    augment: nn.Module | None,
    images: torch.Tensor,
    views: tuple[torch.Tensor, torch.Tensor],
    device: torch.device,
    steps: int,
    compiled: bool,
) -> float:
    """images/s of whole training steps (augmentation when given, forward, backward, step)."""
    model = model.to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    forward = torch.compile(model) if compiled else model
    amp = device.type == "cuda" and torch.cuda.is_bf16_supported()

    def step() -> None:
        x1, x2 = augment.two_views(images) if augment is not None else views
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss = forward(x1.contiguous(memory_format=torch.channels_last),
                           x2.contiguous(memory_format=torch.channels_last))  # fmt: skip
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return len(images) / timed(step, device, steps)


def loss_ms(
    make: Callable[[], nn.Module], n: int, d: int, device: torch.device, steps: int
) -> float:
    loss = make().to(device)
    z1 = torch.randn(n, d, device=device, requires_grad=True)
    z2 = torch.randn(n, d, device=device, requires_grad=True)
    return 1000 * timed(lambda: loss(z1, z2).backward(), device, steps)


def _lightly_ok() -> bool:
    try:
        import lightly  # noqa: F401
    except ImportError:
        return False
    return True


def run(smoke: bool, compiled: bool) -> dict[str, Any]:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sizes = SMOKE if smoke else FULL
    steps = sizes["steps"]
    torch.manual_seed(0)
    peers = _lightly_ok()
    result: dict[str, Any] = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "smoke": smoke,
        "lightly": peers,
        "matmul_tflops": {
            name: matmul_rate(device, sizes["matmul"], dtype, steps) / 1e12
            for name, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32))
        },
        "simclr": [],
        "nt_xent": [],
    }
    peak = result["matmul_tflops"]["bf16"] * 1e12
    for arch, size, batch in sizes["simclr"]:
        images = torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8, device=device)
        recipe = SimCLRRecipe.for_cifar(size) if size <= 64 else SimCLRRecipe.for_imagenet(size)
        augment = BatchedAugment(recipe, channels=3).to(device)
        views = augment.two_views(images)
        ours = OurSimCLR(arch, size)
        flops = forward_flops(ours.to(device), views[0])
        row: dict[str, Any] = {"arch": arch, "size": size, "batch": batch,
                               "forward_gflops_per_image": flops / 1e9}  # fmt: skip
        row["ours_model_step"] = simclr_rate(ours, None, images, views, device, steps, compiled)
        row["ours_with_augmentation"] = simclr_rate(
            OurSimCLR(arch, size), augment, images, views, device, steps, compiled
        )
        row["mfu"] = 3 * 2 * flops * row["ours_model_step"] / peak  # two views per image
        if peers:
            row["lightly_model_step"] = simclr_rate(
                LightlySimCLR(arch, size), None, images, views, device, steps, compiled
            )
        result["simclr"].append(row)
    for n, d in sizes["loss"]:
        entry: dict[str, Any] = {"n": n, "d": d}
        entry["ours_ms"] = loss_ms(lambda: NTXentLoss(0.5), n, d, device, steps)
        if peers:
            from lightly.loss import NTXentLoss as LightlyNTXent

            entry["lightly_ms"] = loss_ms(lambda: LightlyNTXent(0.5), n, d, device, steps)
        result["nt_xent"].append(entry)
    return result


def table(r: dict[str, Any]) -> str:
    m = r["matmul_tflops"]
    lines = [
        f"Device: {r['device']}; measured matmul rate: bf16 {m['bf16']:.1f} TFLOP/s, fp32 {m['fp32']:.1f} TFLOP/s.",
        "",
        "| SimCLR | batch | ours, model step (img/s) | ours incl. on-device augmentation | lightly, model step | × lightly | MFU (bf16) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in r["simclr"]:
        peer = row.get("lightly_model_step")
        ratio = f"{row['ours_model_step'] / peer:.2f}×" if peer else "—"
        lines.append(
            f"| {row['arch']} {row['size']}×{row['size']} | {row['batch']} | {row['ours_model_step']:,.0f} "
            f"| {row['ours_with_augmentation']:,.0f} | {f'{peer:,.0f}' if peer else 'not installed'} "
            f"| {ratio} | {100 * row['mfu']:.1f}% |"
        )
    lines += ["", "| NT-Xent fwd+bwd | ours ms | lightly ms | × |", "|---|---:|---:|---:|"]
    for e in r["nt_xent"]:
        peer = e.get("lightly_ms")
        theirs = f"{peer:.2f}" if peer else "—"
        ratio = f"{peer / e['ours_ms']:.2f}×" if peer else "—"
        lines.append(f"| N={e['n']:,}, D={e['d']} | {e['ours_ms']:.2f} | {theirs} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (any device)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the models")
    parser.add_argument("--json", default=None, help="also write the numbers here")
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    result = run(args.smoke, args.compile)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    body = table(result)
    print(body)
    if not args.smoke and not args.no_append:
        from _common import REPO, append_results

        append_results(REPO / "benchmarks" / "RESULTS.md", "gpu.py", body + "\n")


if __name__ == "__main__":
    main()
