"""Every self-supervised method on Fashion-MNIST, contrastkit beside lightly: speed and accuracy.

For each method of ``METHODS`` (images), our preset ``configs/<method>.yaml`` (run on the CPU
for the same budget) trains beside lightly's composition of the same method:

    contrastkit <method>   our training step exactly as ``engine.loop.train`` runs it (checked
                           bit for bit against the loop for every method at start-up, EMA
                           targets, queues and optimiser state included)
    lightly <method>       what a lightly user writes, after lightly's examples: its heads and
                           loss (``PEERS`` below; notes on every difference printed with the
                           table), ``SimCLRTransform`` set to our recipe on PIL 'L' images in a
                           torch ``DataLoader``, views forwarded one after the other

Same for both: the SmallCNN and its initial weights, batch 256, the epochs, the sample order,
the AdamW parameter groups, lr schedule and clipping of the preset, the EMA momentum of every
step (``cosine_momentum`` from the preset's ``base_momentum``), and every hyper-parameter of
the method (temperatures, queue and support sizes, prototypes, Sinkhorn, DINO's head and
temperatures, loss weights, head widths). supcon has no lightly loss in lightly 1.6.0: it
gets our row only.

The two run interleaved, a chunk of steps each in turn, for the whole budget, every chunk
timed (images/s; × lightly = median of per-round t_lightly / t_ours); then kNN and the linear
probe of both backbones as ``contrastkit eval`` computes them. One markdown table at the end.

    .venv/bin/python benchmarks/bench_methods.py                  # 1 epoch each, appends RESULTS.md
    .venv/bin/python benchmarks/bench_methods.py --quick --no-append --no-probe   # smoke run
    .venv/bin/python benchmarks/bench_methods.py --methods byol,dino --json runs/methods.jsonl
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from _common import (
    REPO,
    append_results,
    command_line,
    git_commit,
    load_average,
    machine_description,
    median,
    paired_ratio,
)
from _ssl_bench import (
    PER_EPOCH,
    LightlyTrainer,
    Ours,
    Trainer,
    check_ours_is_the_loop,
    chunk_speeds,
    evaluate,
    iqr,
    load_text,
    pick_workers,
    run_interleaved,
)
from contrastkit.augment import SimCLRRecipe
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import load_image_data
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.images.methods import METHODS

NOISE = 0.005  # an accuracy difference we call a tie: 0.5 points (binomial SE ≈ 0.36 on 10k)
SPEEDUP = 1.2  # throughput target: ours ≥ 1.2× lightly's
QUICK_BANK = 10_000  # --quick: the kNN bank (and probe train set) is the first 10k train images


def method_config(
    method: str, steps: int, bank: int | None = None, seed: int | None = None
) -> ImageConfig:
    """Our preset ``configs/<method>.yaml`` for ``steps`` steps on the CPU and Fashion-MNIST;
    ``bank`` caps the train images evaluation uses (``eval.max_train``), ``seed`` replaces
    the preset's (initial weights, sample order and views of both sides)."""
    overrides = ["epochs=null", f"steps={steps}", "device=cpu", "data.source=fashion-mnist"]
    if seed is not None:
        overrides.append(f"seed={seed}")
    if bank is not None:
        overrides.append(f"eval.max_train={bank}")
    cfg = load_config(REPO / "configs" / f"{method}.yaml", overrides=overrides)
    if cfg.data.small_crops != 0:  # lightly's side is built for two views
        raise ValueError(
            f"configs/{method}.yaml asks for small crops; the benchmark needs two views"
        )
    return cfg


def option(cfg: ImageConfig, name: str) -> Any:
    """A hyper-parameter exactly as our method receives it: ``temperature`` or a
    ``method_options`` entry of the config, else the default of our method's class."""
    if name == "temperature" and cfg.temperature is not None:
        return cfg.temperature
    if name in cfg.method_options:
        return cfg.method_options[name]
    default = inspect.signature(METHODS[cfg.method].__init__).parameters[name].default
    if default is inspect.Parameter.empty:
        raise ValueError(f"{cfg.method} has no default for {name}")
    return default


# ----------------------------------------------------------------------------- lightly's side


class LightlySimCLR(LightlyTrainer):
    note = (
        "`SimCLRProjectionHead(256, h, d)` + `NTXentLoss(τ)`. lightly's head ends in a "
        "bias-free Linear and a BatchNorm1d (with affine), ours in a Linear with bias; lightly "
        "forwards the views one after the other (BN statistics per view, as its example), "
        "ours as one batch of 2B (the paper's)."
    )
    hyper = ("temperature",)

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import NTXentLoss
        from lightly.models.modules import SimCLRProjectionHead

        m = cfg.model
        self.head = SimCLRProjectionHead(dim, m.projection_hidden, m.projection_dim)
        self.criterion = NTXentLoss(temperature=option(cfg, "temperature"))
        return {"head": self.head}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        z0, z1 = self.head(self.backbone(x0)), self.head(self.backbone(x1))  # (B, D)
        return self.criterion(z0, z1)


class LightlyMomentum(LightlyTrainer):
    """A peer whose targets are momentum copies of its backbone and ``self.head``."""

    def momentum_encoder(self, cfg: ImageConfig) -> dict[str, nn.Module]:
        """lightly's momentum copies of the backbone and ``self.head``, moved from the
        preset's ``base_momentum`` on; the modules for :meth:`build` to return."""
        self.base_momentum = option(cfg, "base_momentum")
        self.backbone_momentum = self.momentum_copy(self.backbone)
        self.head_momentum = self.momentum_copy(self.head)
        return {"backbone_m": self.backbone_momentum, "head_m": self.head_momentum}


class LightlyMoCoV2(LightlyMomentum):
    note = (
        "`MoCoProjectionHead(256, h, d)` (2 layers, no BN: as ours), momentum copies "
        "(`deactivate_requires_grad`, `update_momentum`), `NTXentLoss(τ, memory_bank_size=(K, "
        "d))`, query from view 1, key from view 2 (as ours). lightly's logits are [positive, "
        "queue] and its bank starts as K random unit vectors; ours also counts the batch's "
        "other keys and starts with an empty queue. lightly's `update_momentum` moves "
        "parameters only; ours also copies the BN statistics (unused in training mode)."
    )
    hyper = ("temperature", "queue_size", "base_momentum")

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import NTXentLoss
        from lightly.models.modules import MoCoProjectionHead

        m = cfg.model
        self.head = MoCoProjectionHead(dim, m.projection_hidden, m.projection_dim)
        momentum = self.momentum_encoder(cfg)
        bank = (option(cfg, "queue_size"), m.projection_dim)
        self.criterion = NTXentLoss(option(cfg, "temperature"), memory_bank_size=bank)
        return {"head": self.head, **momentum}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        query = self.head(self.backbone(x0))  # (B, D)
        with torch.no_grad():
            key = self.head_momentum(self.backbone_momentum(x1))  # (B, D)
        return self.criterion(query, key)  # then enqueues the keys (its memory bank)


class LightlyMoCoV3(LightlyMomentum):
    note = (
        "no MoCo v3 in lightly: composed of `MoCoProjectionHead(256, h, d, num_layers=2, "
        "batch_norm=True)` (its output BN keeps an affine, ours has none), "
        "`BYOLPredictionHead(d, h, d)` (its last Linear keeps a bias, ours has none), momentum "
        "copies, and the loss of the MoCo v3 paper's Algorithm 1 written out, "
        "ctr(q, k) = 2τ·CE(q̂k̂ᵀ/τ, arange(B)), symmetrised: the same maths as ours (lightly's "
        "`NTXentLoss` would add q–q negatives)."
    )
    hyper = ("temperature", "base_momentum")

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.models.modules import BYOLPredictionHead, MoCoProjectionHead

        hidden, out = cfg.model.projection_hidden, cfg.model.projection_dim
        self.head = MoCoProjectionHead(dim, hidden, out, num_layers=2, batch_norm=True)
        self.predictor = BYOLPredictionHead(out, hidden, out)
        self.tau = option(cfg, "temperature")
        return {"head": self.head, "predictor": self.predictor, **self.momentum_encoder(cfg)}

    def ctr(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / self.tau  # (B, B)
        return 2 * self.tau * F.cross_entropy(logits, torch.arange(len(q)))

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        q0 = self.predictor(self.head(self.backbone(x0)))  # (B, D)
        q1 = self.predictor(self.head(self.backbone(x1)))
        with torch.no_grad():
            k0 = self.head_momentum(self.backbone_momentum(x0))  # (B, D)
            k1 = self.head_momentum(self.backbone_momentum(x1))
        return self.ctr(q0, k1) + self.ctr(q1, k0)


class LightlyBYOL(LightlyMomentum):
    note = (
        "`BYOLProjectionHead(256, h, d)`, `BYOLPredictionHead(d, h, d)` (both as ours), "
        "momentum copies, `NegativeCosineSimilarity`, 0.5·(D(p0, z'1) + D(p1, z'0)) as lightly's "
        "example: ours is 2 − 2cos summed over both directions, 4× the gradient (AdamW is "
        "scale-free up to its ε) and a loss in [0, 8] where lightly's lies in [−1, 1]."
    )
    hyper = ("base_momentum",)

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import NegativeCosineSimilarity
        from lightly.models.modules import BYOLPredictionHead, BYOLProjectionHead

        hidden, out = cfg.model.projection_hidden, cfg.model.projection_dim
        self.head = BYOLProjectionHead(dim, hidden, out)
        self.predictor = BYOLPredictionHead(out, option(cfg, "predictor_hidden") or hidden, out)
        self.criterion = NegativeCosineSimilarity()
        return {"head": self.head, "predictor": self.predictor, **self.momentum_encoder(cfg)}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        p0 = self.predictor(self.head(self.backbone(x0)))  # (B, D)
        p1 = self.predictor(self.head(self.backbone(x1)))
        with torch.no_grad():
            z0 = self.head_momentum(self.backbone_momentum(x0))  # (B, D)
            z1 = self.head_momentum(self.backbone_momentum(x1))
        return 0.5 * (self.criterion(p0, z1) + self.criterion(p1, z0))


class LightlySimSiam(LightlyTrainer):
    note = (
        "`SimSiamProjectionHead(256, h, d)`, `SimSiamPredictionHead(d, h_p, d)`, "
        "`NegativeCosineSimilarity`, 0.5·(D(p0, sg(z1)) + D(p1, sg(z0))): the same layers, "
        "biases and loss as ours."
    )
    hyper = ("predictor_hidden",)

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import NegativeCosineSimilarity
        from lightly.models.modules import SimSiamPredictionHead, SimSiamProjectionHead

        out = cfg.model.projection_dim
        self.head = SimSiamProjectionHead(dim, cfg.model.projection_hidden, out)
        self.predictor: nn.Module = (
            SimSiamPredictionHead(out, option(cfg, "predictor_hidden"), out)
            if option(cfg, "predictor")
            else nn.Identity()  # the paper's collapsing ablation, as ours
        )
        self.criterion = NegativeCosineSimilarity()
        return {"head": self.head, "predictor": self.predictor}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        z0, z1 = self.head(self.backbone(x0)), self.head(self.backbone(x1))  # (B, D)
        p0, p1 = self.predictor(z0), self.predictor(z1)
        return 0.5 * (self.criterion(p0, z1.detach()) + self.criterion(p1, z0.detach()))


class LightlySwAV(LightlyTrainer):
    note = (
        "`SwaVProjectionHead(256, h, d)` (as ours), `SwaVPrototypes(d, K)` normalised before "
        "every step (its example), `SwaVLoss(τ, sinkhorn_iterations, sinkhorn_epsilon)`. "
        "lightly's prototypes are an `nn.Linear` that keeps an (unnormalised) bias, ours have "
        "none; lightly's Sinkhorn exponentiates scores/ε directly, ours works in the log "
        "domain (the same codes when nothing overflows); lightly forwards the views one after "
        "the other, ours both as one batch of 2B (the authors' multi-crop wrapper)."
    )
    hyper = ("temperature", "n_prototypes", "sinkhorn_iterations", "epsilon")

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import SwaVLoss
        from lightly.models.modules import SwaVProjectionHead, SwaVPrototypes

        out = cfg.model.projection_dim
        self.head = SwaVProjectionHead(dim, cfg.model.projection_hidden, out)
        self.prototypes = SwaVPrototypes(out, n_prototypes=option(cfg, "n_prototypes"))
        self.criterion = SwaVLoss(
            temperature=option(cfg, "temperature"),
            sinkhorn_iterations=option(cfg, "sinkhorn_iterations"),
            sinkhorn_epsilon=option(cfg, "epsilon"),
        )
        return {"head": self.head, "prototypes": self.prototypes}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        self.prototypes.normalize()
        scores = [
            self.prototypes(F.normalize(self.head(self.backbone(x)), dim=1))  # (B, K)
            for x in (x0, x1)
        ]
        return self.criterion(scores, []).squeeze()  # lightly returns shape (1,)


class LightlyBarlowTwins(LightlyTrainer):
    note = (
        "`BarlowTwinsProjectionHead(256, h, d)`, `BarlowTwinsLoss(lambda_param=λ)`. lightly's "
        "last Linear keeps a bias, ours has none (the loss standardises every dimension, so "
        "it is dead weight); otherwise the same layers and loss."
    )
    hyper = ("lambda_offdiag",)

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import BarlowTwinsLoss
        from lightly.models.modules import BarlowTwinsProjectionHead

        m = cfg.model
        self.head = BarlowTwinsProjectionHead(dim, m.projection_hidden, m.projection_dim)
        self.criterion = BarlowTwinsLoss(lambda_param=option(cfg, "lambda_offdiag"))
        return {"head": self.head}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        return self.criterion(self.head(self.backbone(x0)), self.head(self.backbone(x1)))


class LightlyVICReg(LightlyTrainer):
    note = (
        "`VICRegProjectionHead(256, h, d, num_layers=3)`, `VICRegLoss(lambda_param, "
        "mu_param, nu_param)`. lightly's last Linear keeps a bias, ours has none (the "
        "authors'); otherwise the same layers and loss."
    )
    hyper = ("sim_coeff", "std_coeff", "cov_coeff")

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import VICRegLoss
        from lightly.models.modules.heads import VICRegProjectionHead  # not re-exported

        m = cfg.model
        self.head = VICRegProjectionHead(dim, m.projection_hidden, m.projection_dim, num_layers=3)
        self.criterion = VICRegLoss(
            lambda_param=option(cfg, "sim_coeff"),
            mu_param=option(cfg, "std_coeff"),
            nu_param=option(cfg, "cov_coeff"),
        )
        return {"head": self.head}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        return self.criterion(self.head(self.backbone(x0)), self.head(self.backbone(x1)))


class LightlyDINO(LightlyTrainer):
    note = (
        "`DINOProjectionHead(256, h, d, K, batch_norm=False, norm_last_layer=True)` (the same "
        "layers as ours; lightly initialises the MLP from a truncated normal, std 0.02, ours "
        "keeps PyTorch's), a teacher head built fresh and loaded with the student's weights "
        "(lightly's example leaves it at its own random weights; ours and the paper copy the "
        "student), `DINOLoss(K, warmup_teacher_temp=teacher_temp=τ_t, student_temp, "
        "center_momentum)`, which updates its centre inside forward. lightly forwards the "
        "views one after the other, ours both as one batch of 2B. No last-layer freezing on "
        "either side."
    )
    hyper = ("out_dim", "student_temp", "teacher_temp", "center_momentum", "base_momentum")

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import DINOLoss
        from lightly.models.modules import DINOProjectionHead

        k = option(cfg, "out_dim")
        hidden, bottleneck = cfg.model.projection_hidden, cfg.model.projection_dim
        with warnings.catch_warnings():  # lightly 1.6.0's own use of the old weight_norm
            warnings.simplefilter("ignore", FutureWarning)
            self.head = DINOProjectionHead(dim, hidden, bottleneck, k, batch_norm=False)
            # a weight-normalised layer cannot be deep-copied: a fresh head, the student's weights
            blank = DINOProjectionHead(dim, hidden, bottleneck, k, batch_norm=False)
        self.teacher_backbone = self.momentum_copy(self.backbone)
        self.teacher_head = self.momentum_copy(self.head, blank=blank)
        self.base_momentum = option(cfg, "base_momentum")
        end = option(cfg, "teacher_temp")
        self.temps = (option(cfg, "warmup_teacher_temp") or end, end)
        self.temp_steps = option(cfg, "warmup_teacher_temp_steps")
        self.criterion = DINOLoss(
            output_dim=k,
            warmup_teacher_temp=self.temps[0],
            teacher_temp=end,
            student_temp=option(cfg, "student_temp"),
            center_momentum=option(cfg, "center_momentum"),
        )
        return {"head": self.head, "teacher_backbone": self.teacher_backbone,
                "teacher_head": self.teacher_head}  # fmt: skip

    def teacher_temp(self) -> float:
        """τ_t of this step: linear from the warm-up start to ``teacher_temp``, as ours."""
        start, end = self.temps
        if start == end:
            return end
        return start + (end - start) * min(self.step, self.temp_steps) / self.temp_steps

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            teacher = [self.teacher_head(self.teacher_backbone(x)) for x in (x0, x1)]  # (B, K)
        student = [self.head(self.backbone(x)) for x in (x0, x1)]  # (B, K) each
        return self.criterion(teacher, student, teacher_temp=self.teacher_temp())


class LightlyNNCLR(LightlyTrainer):
    note = (
        "`NNCLRProjectionHead(256, h, d)` (its output BN keeps an affine, ours has none), "
        "`NNCLRPredictionHead(d, h_p, d)` (as ours), `NNMemoryBankModule(size=(|Q|, d))`, "
        "`NTXentLoss(τ)`, 0.5·(L(NN(z0), p1) + L(NN(z1), p0)) as lightly's example. lightly's "
        "NT-Xent is the 2B-row SimCLR loss (NN–NN and p–p negatives too), ours one-directional "
        "InfoNCE with the batch's p as candidates (the paper's Eq. 2); lightly's bank starts as "
        "random vectors and enqueues view 2's z, ours starts empty (z itself stands in) and "
        "enqueues view 1's."
    )
    hyper = ("temperature", "support_size", "predictor_hidden")

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        from lightly.loss import NTXentLoss
        from lightly.models.modules import (
            NNCLRPredictionHead,
            NNCLRProjectionHead,
            NNMemoryBankModule,
        )

        out = cfg.model.projection_dim
        self.head = NNCLRProjectionHead(dim, cfg.model.projection_hidden, out)
        self.predictor = NNCLRPredictionHead(out, option(cfg, "predictor_hidden"), out)
        self.bank = NNMemoryBankModule(size=(option(cfg, "support_size"), out))
        self.criterion = NTXentLoss(temperature=option(cfg, "temperature"))
        return {"head": self.head, "predictor": self.predictor}

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        z0, z1 = self.head(self.backbone(x0)), self.head(self.backbone(x1))  # (B, D)
        p0, p1 = self.predictor(z0), self.predictor(z1)
        nn0 = self.bank(z0.detach(), update=False)  # nearest neighbours, (B, D)
        nn1 = self.bank(z1.detach(), update=True)
        return 0.5 * (self.criterion(nn0, p1) + self.criterion(nn1, p0))


PEERS: dict[str, type[LightlyTrainer]] = {
    "simclr": LightlySimCLR,
    "moco_v2": LightlyMoCoV2,
    "moco_v3": LightlyMoCoV3,
    "byol": LightlyBYOL,
    "simsiam": LightlySimSiam,
    "nnclr": LightlyNNCLR,
    "swav": LightlySwAV,
    "barlow_twins": LightlyBarlowTwins,
    "vicreg": LightlyVICReg,
    "dino": LightlyDINO,
}
NO_PEER = {"supcon": "lightly 1.6.0 has no supervised contrastive loss: our row only"}


# ----------------------------------------------------------------------------- one method


def preflight(method: str) -> None:
    """The start-up guard: our timed step is the loop's, and lightly's side builds and trains."""
    cfg = method_config(method, 3)
    data = load_image_data(cfg)
    check_ours_is_the_loop(cfg, data)
    if method in PEERS:
        try:
            peer = PEERS[method](cfg, data, 0)
            peer.run(2)
        except Exception as e:
            raise RuntimeError(
                f"lightly's side of {method} ({PEERS[method].__name__}) failed at start-up: "
                f"{type(e).__name__}: {e}"
            ) from e


def bench_one(
    method: str,
    steps: int,
    chunk: int,
    rounds: int,
    workers: int,
    *,
    probe: bool,
    bank: int | None,
    seed: int | None,
    loads: list[float],
) -> dict[str, Any]:
    """Train ours and lightly's interleaved for ``steps`` steps, then evaluate both."""
    cfg = method_config(method, steps, bank, seed)
    data = load_image_data(cfg)
    ours = Ours(cfg, data)
    trainers: dict[str, Trainer] = {ours.name: ours}
    peer = PEERS[method](cfg, data, workers) if method in PEERS else None
    if peer is not None:
        trainers[peer.name] = peer
    times, wall = run_interleaved(trainers, chunk=chunk, rounds=rounds, steps=steps, loads=loads)
    print(f"  {method}: evaluating", file=sys.stderr, flush=True)
    start = time.perf_counter()
    ours.method.eval()
    reports = {"ours": evaluate(ours.embed, cfg, data, probe=probe)}
    if peer is not None:
        peer.model.eval()
        reports["lightly"] = evaluate(peer.backbone, cfg, data, probe=probe)
    row: dict[str, Any] = {
        "method": method,
        "seed": cfg.seed,
        "steps": steps,
        "epochs": steps / PER_EPOCH,
        "eval_s": time.perf_counter() - start,
        "lightly_workers": workers if peer else None,
        "settings": {k: option(cfg, k) for k in (PEERS[method].hyper if peer else ())},
    }
    for side, name in (("ours", ours.name), ("lightly", peer.name if peer else None)):
        if name is None:
            continue
        speed = chunk_speeds(times[name], chunk)
        report = reports[side]
        row[side] = {
            "images_per_s": median(speed),
            "iqr": iqr(speed),
            "knn": report.knn_accuracy,
            "probe": report.probe_accuracy,
            "final_loss": trainers[name].loss,
            "wall_s": wall[name],
            "chunk_s": times[name],
        }
    if peer is not None:
        row["ratio"] = paired_ratio(times[peer.name], times[ours.name])  # speed-up of ours
        row["speed_met"] = row["ratio"] >= SPEEDUP
        row["accuracy_met"] = all(
            row["ours"][k] >= row["lightly"][k] - NOISE
            for k in ("knn", "probe")
            if row["ours"][k] is not None
        )
    loads.append(load_average())
    return row


# ----------------------------------------------------------------------------- report


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| method | ours images/s (IQR) | lightly images/s (IQR) | × lightly | kNN ours "
        "| kNN lightly | probe ours | probe lightly | final loss ours / lightly | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.2%}"

    for r in rows:
        o, p = r["ours"], r.get("lightly")
        if p is None:
            lines.append(
                f"| {r['method']} | {o['images_per_s']:,.0f} ({o['iqr']:,.0f}) | — | — "
                f"| {pct(o['knn'])} | — | {pct(o['probe'])} | — | {o['final_loss']:.3f} / — "
                f"| — (no lightly peer) |"
            )
            continue
        speed = f"speed {'MET' if r['speed_met'] else 'MISSED'}"
        acc = f"accuracy {'MET' if r['accuracy_met'] else 'MISSED'}"
        lines.append(
            f"| {r['method']} | {o['images_per_s']:,.0f} ({o['iqr']:,.0f}) "
            f"| {p['images_per_s']:,.0f} ({p['iqr']:,.0f}) | {r['ratio']:.2f} "
            f"| {pct(o['knn'])} | {pct(p['knn'])} | {pct(o['probe'])} | {pct(p['probe'])} "
            f"| {o['final_loss']:.3f} / {p['final_loss']:.3f} | {speed}, {acc} |"
        )
    return "\n".join(lines) + "\n"


def targets(rows: list[dict[str, Any]], probe: bool) -> str:
    paired = [r for r in rows if "ratio" in r]
    speed = sum(r["speed_met"] for r in paired)
    acc = sum(r["accuracy_met"] for r in paired)
    measured = "kNN top-1 and linear-probe top-1" if probe else "kNN top-1 (probe skipped)"
    return (
        "Acceptance targets, per method with a lightly peer:\n"
        f"- training throughput ≥ {SPEEDUP}× lightly's (median of per-round ratios): MET for "
        f"{speed} of {len(paired)}\n"
        f"- {measured} ≥ lightly's − {NOISE * 100:.1f} points (noise: the binomial standard "
        f"error near 85% on 10k test images is 0.36 points): MET for {acc} of {len(paired)}\n"
    )


def notes(methods: list[str], steps: int) -> str:
    lines = [
        "Where lightly's composition differs from ours (h, d: the preset's projection_hidden and projection_dim; h_p: predictor_hidden):"
    ]
    for m in methods:
        if m in NO_PEER:
            lines.append(f"- {m}: {NO_PEER[m]}.")
            continue
        cfg = method_config(m, steps)
        peer = PEERS[m]
        numbers = ", ".join(f"{k} {option(cfg, k)}" for k in peer.hyper)
        o, crop = cfg.optim, cfg.data.crop_scale or SimCLRRecipe.for_fashion_mnist().crop_scale
        clip = f", clip {o.clip_grad}" if o.clip_grad is not None else ""
        lines.append(
            f"- {m} ({numbers}; head {cfg.model.projection_hidden}/{cfg.model.projection_dim}; "
            f"{o.name} lr {o.lr} wd {o.weight_decay}{clip}; crop scale {crop[0]}–{crop[1]}): "
            f"{peer.note}"
        )
    return "\n".join(lines) + "\n"


METHOD = """\
Method. Per method, our preset `configs/<method>.yaml` with steps={steps}, device=cpu (every
other setting kept) and lightly's composition of the same method train in one process,
interleaved {chunk} steps at a time (order rotated each round): {steps} steps each ({epochs:.2f}
epochs of 60,000, batch 256, the same budget for every method), 1 warm-up chunk, then {rounds}
timed chunks, each including its data pipeline (ours: index the uint8 batch, kornia views in
the training process; lightly: `SimCLRTransform` on PIL images in its DataLoader, handed
exactly that chunk's batches). images/s = 256 × steps / chunk seconds (median, IQR); "×
lightly" is the median over rounds of t_lightly / t_ours. Same for both: SmallCNN and its
initial weights (ours runs it channels-last, our default), the sample order, the preset's
optimiser (`build_optimizer`: AdamW without decay on 1-D parameters), lr (5% linear warm-up,
cosine to 0), gradient clipping, the EMA momentum of every step (`cosine_momentum` from the
preset's base_momentum to 1, applied after the optimiser step as our loop does; lightly's
examples call `update_momentum` before the forward, the same updates one step earlier), the
method's hyper-parameters, and the recipe
(`SimCLRRecipe.for_fashion_mnist()` with the preset's crop_scale: two 28-px views, flip 0.5,
brightness and contrast 0.4 with p 0.8, no grayscale or blur, mean 0.2860, std 0.3530; every
preset uses it, none adds small crops). Before timing, each method's timed step is checked
against `engine.loop.train`: 3 steps end with bit-identical state (weights, buffers — EMA
targets, queues, prototypes, centres, BN statistics — and optimiser moments). Evaluation as
`contrastkit eval`: `evaluate_encoder` on each backbone in eval mode, the {bank} unaugmented
train images as the bank, weighted kNN (k 200, τ 0.1){probe} on the 10k test images; {tie:.1f}
points count as a tie. torch's default {threads} intra-op threads for both; DataLoader
workers use one each.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--methods", default=",".join(METHODS), help="comma-separated (default: all)"
    )
    parser.add_argument(
        "--epochs", type=float, default=1.0, help="training epochs per method (default 1)"
    )
    parser.add_argument("--chunk", type=int, default=None, help="steps per chunk (default 18)")
    parser.add_argument(
        "--quick", action="store_true", help="3 chunks of 5 steps per method, 10k-image kNN bank"
    )
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--lightly-workers", default="auto", help="0, 1, 2 … or auto (fastest)")
    parser.add_argument("--no-probe", action="store_true", help="skip the linear probe")
    parser.add_argument("--seed", type=int, default=None, help="replace every preset's seed")
    parser.add_argument(
        "--json", type=Path, default=None, help="append each method's row here (JSON lines)"
    )
    args = parser.parse_args(argv)

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in PEERS and m not in NO_PEER]
    if unknown or not methods:
        parser.error(f"unknown method(s) {unknown}; choose from {', '.join(METHODS)}")
    chunk = args.chunk or (5 if args.quick else 18)
    rounds = max(2, round((15 if args.quick else args.epochs * PER_EPOCH) / chunk)) - 1
    steps = chunk * (rounds + 1)
    bank = QUICK_BANK if args.quick else None
    print(f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}", flush=True)
    loads = [load_average()]

    for m in methods:
        preflight(m)
        print(f"  {m}: Ours = engine.loop.train after 3 steps; lightly's side builds and trains",
              file=sys.stderr, flush=True)  # fmt: skip
    setup = [
        "- every method's timed step checked: 3 steps end with bit-identical state (weights, "
        "buffers, optimiser moments) to `engine.loop.train`'s"
    ]
    print(setup[0], flush=True)

    paired = [m for m in methods if m in PEERS]
    if args.lightly_workers == "auto" and paired:
        cfg = method_config(paired[0], 1000)
        probe_data = load_image_data(cfg)
        workers, speeds = pick_workers(
            lambda w: PEERS[paired[0]](cfg, probe_data, w), chunk=4 if args.quick else 8, rounds=2
        )
        probe = ", ".join(f"{w}: {v:,.0f}" for w, v in speeds.items())
        setup.append(
            f"- lightly's DataLoader: {workers} worker(s), its fastest on {paired[0]} "
            f"(images/s {probe}), for every method"
        )
    else:
        workers = 0 if args.lightly_workers == "auto" else int(args.lightly_workers)
        setup.append(f"- lightly's DataLoader: {workers} worker(s) (--lightly-workers)")
    print(setup[-1], flush=True)
    gc.collect()

    rows: list[dict[str, Any]] = []
    for m in methods:
        print(f"== {m}: {steps} steps each in chunks of {chunk}", file=sys.stderr, flush=True)
        row = bench_one(
            m, steps, chunk, rounds, workers, probe=not args.no_probe, bank=bank,
            seed=args.seed, loads=loads,
        )  # fmt: skip
        gc.collect()  # lightly's persistent DataLoader workers end with its trainer
        rows.append(row)
        line = json.dumps({"command": command_line(), "commit": git_commit(), **row})
        print(f"# {m} done: {line}", flush=True)
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            with args.json.open("a") as f:
                f.write(line + "\n")

    method = METHOD.format(
        chunk=chunk, steps=steps, epochs=steps / PER_EPOCH, rounds=rounds, tie=NOISE * 100,
        probe="" if args.no_probe else " and the linear probe (L-BFGS, eval.probe_epochs iterations)",
        bank="60k" if bank is None else f"first {bank:,} (--quick)",
        threads=torch.get_num_threads(),
    )  # fmt: skip
    body = table(rows) + "\n" + targets(rows, not args.no_probe)
    body += "\n" + "\n".join(setup) + f"\n\n{load_text(loads)}\n\n{notes(methods, steps)}\n{method}"
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_methods.py", body)
        print("# appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
