"""``METHODS``: the whole list of methods the text task can build, by name."""

from __future__ import annotations

from torch import nn

from contrastkit.methods import Pairs, SimCSE

METHODS: dict[str, type[nn.Module]] = {"simcse": SimCSE, "pairs": Pairs}
