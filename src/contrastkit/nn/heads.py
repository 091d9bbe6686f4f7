"""Projection and prediction heads: one MLP builder and the papers' heads as presets.

Every preset is ``mlp([...])`` with the paper's sizes; the builder follows the FAIR code
(MoCo v3 ``_build_mlp``, SimSiam ``builder.py``): a Linear that feeds a BatchNorm has no bias
(BN subtracts the mean, so the bias would be dead weight), and an output BatchNorm has no
learnable affine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from torch import nn


def mlp(
    dims: Sequence[int],
    *,
    batch_norm: bool = True,
    last_batch_norm: bool = False,
    last_bias: bool = True,
    activation: Callable[[], nn.Module] = nn.ReLU,
) -> nn.Sequential:
    """An MLP ``dims[0] → dims[1] → … → dims[-1]``.

    Hidden layers are Linear → BatchNorm1d → activation (Linear → activation without
    ``batch_norm``); the last layer is a bare Linear, followed by BatchNorm1d(affine=False)
    if ``last_batch_norm``. A Linear feeding a BatchNorm has no bias; ``last_bias`` sets the
    last Linear's bias when no BatchNorm follows it.

    Shapes: (B, dims[0]) → (B, dims[-1]).

    Example:
        >>> mlp([512, 2048, 128])  # Linear(no bias) BN ReLU Linear
    """
    if len(dims) < 2 or any(isinstance(d, bool) or int(d) != d or d < 1 for d in dims):
        raise ValueError(f"dims must hold at least 2 positive integers, got {list(dims)}.")
    layers: list[nn.Module] = []
    for d_in, d_out in itertools.pairwise(dims[:-1]):  # hidden layers
        layers.append(nn.Linear(d_in, d_out, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm1d(d_out))
        layers.append(activation())
    layers.append(nn.Linear(dims[-2], dims[-1], bias=last_bias and not last_batch_norm))
    if last_batch_norm:
        layers.append(nn.BatchNorm1d(dims[-1], affine=False))
    return nn.Sequential(*layers)


def simclr_projection(
    in_dim: int, hidden: int = 2048, out: int = 128, layers: int = 2
) -> nn.Sequential:
    """SimCLR's projection head g: z = W₂ σ(BN(W₁ h)), 2048 → 128 on a ResNet-50.

    SimCLR v1 (Chen et al. 2020, https://arxiv.org/abs/2002.05709, Sec. 2.1) uses "a MLP with
    one hidden layer" and a 128-d output; SimCLR v2 (https://arxiv.org/abs/2006.10029, Sec.
    2) deepens it to 3 layers (``layers=3``). The authors' TF code also batch-normalises the
    output; for that variant build ``mlp(..., last_batch_norm=True)``.
    """
    if layers < 1:
        raise ValueError(f"layers must be >= 1, got {layers}.")
    return mlp([in_dim, *[hidden] * (layers - 1), out])


def moco_v2_projection(in_dim: int, hidden: int = 2048, out: int = 128) -> nn.Sequential:
    """MoCo v2's head: "a 2-layer MLP head (hidden layer 2048-d, with ReLU)", 128-d output,
    no BatchNorm (Chen et al. 2020, https://arxiv.org/abs/2003.04297)."""
    return mlp([in_dim, hidden, out], batch_norm=False)


def byol_projection(in_dim: int, hidden: int = 4096, out: int = 256) -> nn.Sequential:
    """BYOL's projector: "a linear layer with output size 4096 followed by batch
    normalization, rectified linear units (ReLU), and a final linear layer with output
    dimension 256" (Grill et al. 2020, https://arxiv.org/abs/2006.07733, Sec. 3.3)."""
    return mlp([in_dim, hidden, out])


def byol_predictor(dim: int = 256, hidden: int = 4096) -> nn.Sequential:
    """BYOL's predictor q: "the same architecture as g" (Sec. 3.3), 256 → 4096 → 256."""
    return mlp([dim, hidden, dim])


def simsiam_projection(in_dim: int, hidden: int = 2048, out: int = 2048) -> nn.Sequential:
    """SimSiam's projector: 3 layers, "BN applied to each fully-connected (fc) layer,
    including its output fc. Its output fc has no ReLU. The hidden fc is 2048-d" (Chen & He
    2021, https://arxiv.org/abs/2011.10566, "Baseline settings")."""
    return mlp([in_dim, hidden, hidden, out], last_batch_norm=True, last_bias=False)


def simsiam_predictor(dim: int = 2048, hidden: int = 512) -> nn.Sequential:
    """SimSiam's predictor h: 2 layers, "BN applied to its hidden fc layers. Its output fc
    does not have BN ... or ReLU", 2048 → 512 → 2048, a bottleneck (same paragraph)."""
    return mlp([dim, hidden, dim])


def moco_v3_projection(in_dim: int, hidden: int = 4096, out: int = 256) -> nn.Sequential:
    """MoCo v3's projector for ResNets: 2 layers, in → 4096 → 256, "all layers in both MLPs
    have BN" (Chen, Xie & He 2021, https://arxiv.org/abs/2104.02057, Sec. 4), the output BN
    without affine. The paper's text says 3 layers; the authors' ``MoCo_ResNet`` builds 2 (3
    for ViT), and we follow their ResNet code."""
    return mlp([in_dim, hidden, out], last_batch_norm=True)


def moco_v3_predictor(dim: int = 256, hidden: int = 4096) -> nn.Sequential:
    """MoCo v3's predictor for ResNets: 2 layers, 256 → 4096 → 256, no output BN and no bias
    (the authors' ``MoCo_ResNet``: ``_build_mlp(2, dim, mlp_dim, dim, last_bn=False)``)."""
    return mlp([dim, hidden, dim], last_bias=False)


def nnclr_projection(in_dim: int, hidden: int = 2048, out: int = 256) -> nn.Sequential:
    """NNCLR's projector: 3 layers, hidden 2048, output 256, BN after every layer including
    the output (Dwibedi et al. 2021, https://arxiv.org/abs/2104.14548, Sec. 4.1
    "Implementation details"; lightly's ``NNCLRProjectionHead``)."""
    return mlp([in_dim, hidden, hidden, out], last_batch_norm=True)


def nnclr_predictor(dim: int = 256, hidden: int = 4096) -> nn.Sequential:
    """NNCLR's predictor: 2 layers, 256 → 4096 → 256, BN on the hidden layer (same section)."""
    return mlp([dim, hidden, dim])


def barlow_twins_projection(in_dim: int, hidden: int = 8192, out: int = 8192) -> nn.Sequential:
    """Barlow Twins' projector: "three linear layers, each with 8192 output units. The first
    two layers ... are followed by a batch normalization layer and rectified linear units"
    (Zbontar et al. 2021, https://arxiv.org/abs/2103.03230, "Implementation details"). No
    bias on the last layer, as in the authors' code; the batch standardisation of z is done
    by ``barlow_twins_loss``."""
    return mlp([in_dim, hidden, hidden, out], last_bias=False)


def swav_projection(in_dim: int, hidden: int = 2048, out: int = 128) -> nn.Sequential:
    """SwAV's projection head: 2048 → 128 with BN and ReLU on the hidden layer, the output
    L2-normalised by the method before the prototypes (Caron et al. 2020,
    https://arxiv.org/abs/2006.09882, Appendix A; ``hidden_mlp=2048``, ``feat_dim=128`` in
    the authors' ``resnet50.py``)."""
    return mlp([in_dim, hidden, out])


def vicreg_projection(in_dim: int, hidden: int = 8192, out: int = 8192) -> nn.Sequential:
    """VICReg's expander: "3 fully-connected layers of size 8192", BN and ReLU after the
    first two, a bias-free last layer as in the authors' ``Projector`` (Bardes et al. 2022,
    https://arxiv.org/abs/2105.04906, Sec. 4.1)."""
    return mlp([in_dim, hidden, hidden, out], last_bias=False)


def supcon_projection(in_dim: int, hidden: int = 2048, out: int = 128) -> nn.Sequential:
    """SupCon's projection head: one hidden layer (2048 on a ResNet-50) with ReLU and no BN,
    a 128-d output (Khosla et al. 2020, https://arxiv.org/abs/2004.11362, Sec. 3.3; the
    authors' ``SupConResNet`` head ``Linear-ReLU-Linear``)."""
    return mlp([in_dim, hidden, out], batch_norm=False)
