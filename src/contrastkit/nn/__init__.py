"""Network parts: backbones (encoders exposing ``.dim``) and projection/prediction heads.

Needs only torch; the ResNets import torchvision (the ``[vision]`` extra) when built.
"""

from __future__ import annotations

from contrastkit.nn.backbones import BACKBONES, CIFAR_STEM_MAX_SIZE, build_backbone
from contrastkit.nn.heads import (
    barlow_twins_projection,
    byol_predictor,
    byol_projection,
    mlp,
    moco_v2_projection,
    simclr_projection,
    simsiam_predictor,
    simsiam_projection,
)
from contrastkit.nn.mlp_backbone import MLPBackbone
from contrastkit.nn.resnet import RESNET_DIMS, ResNetBackbone
from contrastkit.nn.small_cnn import SmallCNN

__all__ = [
    "BACKBONES",
    "CIFAR_STEM_MAX_SIZE",
    "RESNET_DIMS",
    "MLPBackbone",
    "ResNetBackbone",
    "SmallCNN",
    "barlow_twins_projection",
    "build_backbone",
    "byol_predictor",
    "byol_projection",
    "mlp",
    "moco_v2_projection",
    "simclr_projection",
    "simsiam_predictor",
    "simsiam_projection",
]
