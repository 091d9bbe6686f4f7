"""Training methods: short compositions of backbone, heads and loss.

``METHODS`` (images) and ``TEXT_METHODS`` are the whole list of what the CLI can build.
"""

from __future__ import annotations

from torch import nn

from contrastkit.methods.barlow_twins import BarlowTwins
from contrastkit.methods.byol import BYOL
from contrastkit.methods.dino import DINO
from contrastkit.methods.moco_v2 import MoCoV2
from contrastkit.methods.moco_v3 import MoCoV3
from contrastkit.methods.nnclr import NNCLR
from contrastkit.methods.pairs import Pairs
from contrastkit.methods.simclr import SimCLR
from contrastkit.methods.simcse import SimCSE
from contrastkit.methods.simsiam import SimSiam
from contrastkit.methods.supcon import SupCon
from contrastkit.methods.swav import SwAV
from contrastkit.methods.vicreg import VICReg

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

# methods over text (TextBatch of tokenized columns, a TextEncoder instead of a backbone)
TEXT_METHODS: dict[str, type[nn.Module]] = {"simcse": SimCSE, "pairs": Pairs}

__all__ = [
    "BYOL",
    "DINO",
    "METHODS",
    "NNCLR",
    "TEXT_METHODS",
    "BarlowTwins",
    "MoCoV2",
    "MoCoV3",
    "Pairs",
    "SimCLR",
    "SimCSE",
    "SimSiam",
    "SupCon",
    "SwAV",
    "VICReg",
]
