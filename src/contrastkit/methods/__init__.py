"""Training methods: short compositions of backbone, heads and loss.

``METHODS`` is the whole list of what the CLI can build.
"""

from __future__ import annotations

from torch import nn

from contrastkit.methods.simclr import SimCLR

METHODS: dict[str, type[nn.Module]] = {
    "simclr": SimCLR,
}

__all__ = ["METHODS", "SimCLR"]
