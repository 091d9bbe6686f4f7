"""Training methods: short compositions of backbone, heads and loss.

:mod:`contrastkit.methods.base` writes down the contract every method keeps. Which methods a
kind of data trains with is its task's ``METHODS`` dict (``contrastkit/tasks/<kind>/methods.py``).
"""

from __future__ import annotations

from contrastkit.methods.barlow_twins import BarlowTwins
from contrastkit.methods.base import (
    EMATarget,
    Method,
    MultiCrop,
    NeedsLabels,
    Projects,
    StepHook,
    check_method,
)
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

__all__ = [
    "BYOL",
    "DINO",
    "NNCLR",
    "BarlowTwins",
    "EMATarget",
    "Method",
    "MoCoV2",
    "MoCoV3",
    "MultiCrop",
    "NeedsLabels",
    "Pairs",
    "Projects",
    "SimCLR",
    "SimCSE",
    "SimSiam",
    "StepHook",
    "SupCon",
    "SwAV",
    "VICReg",
    "check_method",
]
