"""In-batch sampled softmax for retrieval with the logQ correction (Yi et al. 2019,
"Sampling-Bias-Corrected Neural Modeling for Large Corpus Item Recommendations").

A batch of (user, item) pairs uses the other pairs' items as negatives, so an item is a
negative in proportion to how often it is sampled — popular items are pushed down far more
than the full softmax would. The correction subtracts log q_j, the log of item j's sampling
probability, from every logit of column j (the positive's too):

.. math::
    s^c(u_i, v_j) = u_i \\cdot v_j / \\tau - \\log q_j, \\qquad
    L = -\\frac{1}{B} \\sum_i \\log \\frac{\\exp s^c(u_i, v_i)}{\\sum_j \\exp s^c(u_i, v_j)}

TensorFlow Recommenders once added log q instead (fixed later); ``log_q`` here is what is
subtracted, so passing ``-log q`` measures that mistake. ``exclude`` removes columns that are
no negatives of a row (another pair's item that is also this user's positive); ``hard``
adds per-row negatives (mined items), without correction: they are chosen, not sampled by
frequency.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def sampled_softmax(
    users: torch.Tensor,
    items: torch.Tensor,
    *,
    temperature: float = 0.05,
    log_q: torch.Tensor | None = None,
    exclude: torch.Tensor | None = None,
    hard: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean cross-entropy of row i choosing column i. Shapes: users, items (B, D) (compared
    as given: normalise them first for cosine); log_q (B,) per item column; exclude (B, B)
    bool, True where column j is no negative of row i (the diagonal is ignored); hard
    (B, M, D): M more negatives of each row."""
    logits = users @ items.T / temperature
    if log_q is not None:
        logits = logits - log_q.view(1, -1)
    if exclude is not None:
        off_diagonal = exclude & ~torch.eye(len(users), dtype=torch.bool, device=users.device)
        logits = logits.masked_fill(off_diagonal, -torch.inf)
    if hard is not None:
        mined = torch.einsum("bd,bmd->bm", users, hard) / temperature
        logits = torch.cat([logits, mined], dim=1)
    labels = torch.arange(len(users), device=users.device)
    return F.cross_entropy(logits.to(torch.promote_types(logits.dtype, torch.float32)), labels)


class SampledSoftmaxLoss(nn.Module):
    def __init__(self, temperature: float = 0.05) -> None:
        super().__init__()
        self.temperature = temperature

    def forward(
        self,
        users: torch.Tensor,
        items: torch.Tensor,
        log_q: torch.Tensor | None = None,
        exclude: torch.Tensor | None = None,
        hard: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return sampled_softmax(
            users, items, temperature=self.temperature, log_q=log_q, exclude=exclude, hard=hard
        )
