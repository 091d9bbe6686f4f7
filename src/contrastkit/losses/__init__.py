"""Contrastive losses: a pure function and an ``nn.Module`` twin per loss.

``LOSSES`` maps the name used in configs and on the command line to the module class.
"""

from __future__ import annotations

from torch import nn

from contrastkit.losses._checks import NonFiniteError
from contrastkit.losses.barlow_twins import BarlowTwinsLoss, barlow_twins_loss
from contrastkit.losses.debiased import (
    DebiasedInfoNCELoss,
    HardNegativeInfoNCELoss,
    debiased_info_nce,
    hard_negative_info_nce,
)
from contrastkit.losses.dino import DINOLoss, dino_loss, dino_teacher_probs, update_center
from contrastkit.losses.info_nce import InfoNCELoss, info_nce
from contrastkit.losses.margin import (
    PairwiseMarginLoss,
    TripletMarginLoss,
    pairwise_margin,
    triplet_margin,
)
from contrastkit.losses.negative_cosine import NegativeCosineLoss, negative_cosine
from contrastkit.losses.nt_xent import NTXentLoss, nt_xent
from contrastkit.losses.supcon import SupConLoss, supcon
from contrastkit.losses.swav import SwAVLoss, sinkhorn, swav_loss
from contrastkit.losses.temperature import LearnableTemperature
from contrastkit.losses.vicreg import VICRegLoss, covariance, invariance, variance, vicreg_loss

LOSSES: dict[str, type[nn.Module]] = {
    "info_nce": InfoNCELoss,
    "nt_xent": NTXentLoss,
    "supcon": SupConLoss,
    "debiased_info_nce": DebiasedInfoNCELoss,
    "hard_negative_info_nce": HardNegativeInfoNCELoss,
    "triplet_margin": TripletMarginLoss,
    "pairwise_margin": PairwiseMarginLoss,
    "negative_cosine": NegativeCosineLoss,
    "swav": SwAVLoss,
    "barlow_twins": BarlowTwinsLoss,
    "vicreg": VICRegLoss,
    "dino": DINOLoss,
}

__all__ = [
    "LOSSES",
    "BarlowTwinsLoss",
    "DINOLoss",
    "DebiasedInfoNCELoss",
    "HardNegativeInfoNCELoss",
    "InfoNCELoss",
    "LearnableTemperature",
    "NTXentLoss",
    "NegativeCosineLoss",
    "NonFiniteError",
    "PairwiseMarginLoss",
    "SupConLoss",
    "SwAVLoss",
    "TripletMarginLoss",
    "VICRegLoss",
    "barlow_twins_loss",
    "covariance",
    "debiased_info_nce",
    "dino_loss",
    "dino_teacher_probs",
    "hard_negative_info_nce",
    "info_nce",
    "invariance",
    "negative_cosine",
    "nt_xent",
    "pairwise_margin",
    "sinkhorn",
    "supcon",
    "swav_loss",
    "triplet_margin",
    "update_center",
    "variance",
    "vicreg_loss",
]
