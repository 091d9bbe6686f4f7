"""``METHODS``: the whole list of methods the image task can build, by name."""

from __future__ import annotations

from torch import nn

from contrastkit.methods import (
    BYOL,
    DINO,
    NNCLR,
    BarlowTwins,
    MoCoV2,
    MoCoV3,
    SimCLR,
    SimSiam,
    SupCon,
    SwAV,
    VICReg,
)

METHODS: dict[str, type[nn.Module]] = {
    "simclr": SimCLR,
    "moco_v2": MoCoV2,
    "moco_v3": MoCoV3,
    "byol": BYOL,
    "simsiam": SimSiam,
    "nnclr": NNCLR,
    "swav": SwAV,
    "barlow_twins": BarlowTwins,
    "vicreg": VICReg,
    "dino": DINO,
    "supcon": SupCon,
}
