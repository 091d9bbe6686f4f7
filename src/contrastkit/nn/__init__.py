"""Network parts: backbones (encoders exposing ``.dim``) and projection/prediction heads.

Needs only torch; the ResNets import torchvision (the ``[vision]`` extra) when built.
"""

from __future__ import annotations

from contrastkit.nn.backbones import BACKBONES, CIFAR_STEM_MAX_SIZE, backbone_dim, build_backbone
from contrastkit.nn.heads import (
    barlow_twins_projection,
    byol_predictor,
    byol_projection,
    mlp,
    moco_v2_projection,
    moco_v3_predictor,
    moco_v3_projection,
    nnclr_predictor,
    nnclr_projection,
    simclr_projection,
    simsiam_predictor,
    simsiam_projection,
    supcon_projection,
    swav_projection,
    vicreg_projection,
)
from contrastkit.nn.mlp_backbone import MLPBackbone
from contrastkit.nn.prototypes import DINOHead, Prototypes
from contrastkit.nn.queue import FeatureQueue, nearest_neighbours
from contrastkit.nn.resnet import RESNET_DIMS, ResNetBackbone
from contrastkit.nn.small_cnn import SmallCNN

__all__ = [
    "BACKBONES",
    "CIFAR_STEM_MAX_SIZE",
    "RESNET_DIMS",
    "DINOHead",
    "FeatureQueue",
    "MLPBackbone",
    "Prototypes",
    "ResNetBackbone",
    "SmallCNN",
    "backbone_dim",
    "barlow_twins_projection",
    "build_backbone",
    "byol_predictor",
    "byol_projection",
    "mlp",
    "moco_v2_projection",
    "moco_v3_predictor",
    "moco_v3_projection",
    "nearest_neighbours",
    "nnclr_predictor",
    "nnclr_projection",
    "simclr_projection",
    "simsiam_predictor",
    "simsiam_projection",
    "supcon_projection",
    "swav_projection",
    "vicreg_projection",
]
