"""The interactions task: settings, method, data, evaluation and export, as one :class:`Task`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.data.interactions import Interactions, load_interactions
from contrastkit.engine.config import with_overrides
from contrastkit.engine.run import TrainedRun
from contrastkit.negatives.frequency import exact_log_q
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.tasks.interactions.config import InteractionsConfig
from contrastkit.tasks.interactions.method import TwoTower
from contrastkit.tasks.interactions.model import Tower
from contrastkit.tasks.interactions.recommender import FORMAT, Recommender
from contrastkit.tasks.interactions.split import leave_last_out
from contrastkit.tasks.interactions.stream import PairStream
from contrastkit.types import Items

METHODS: dict[str, type[nn.Module]] = {"two_tower": TwoTower}


def _method(cfg: InteractionsConfig, data: Interactions, train: torch.Tensor) -> TwoTower:
    m = cfg.model
    features = data.item_features if m.item_features else None
    n_items = len(data.items)
    known = torch.unique(data.user[train] * n_items + data.item[train])
    return TwoTower(
        Tower(len(data.users), m.dim, hidden=m.hidden),
        Tower(n_items, m.dim, features=features, hidden=m.hidden),
        temperature=cfg.temperature,
        correction=m.correction,
        log_q=exact_log_q(data.item[train], n_items, cfg.optim.batch_size),
        mask_positives=m.mask_positives,
        hard_negatives=m.hard_negatives,
        known=known,
    )


def recommender_of(method: TwoTower, data: Interactions, train: torch.Tensor) -> Recommender:
    """Every user's and item's vector, and the training pairs, as a :class:`Recommender`."""
    was = method.training
    method.eval()
    with torch.no_grad():
        device = next(method.parameters()).device
        users = method.users(torch.arange(len(data.users), device=device)).cpu()
        items = method.items(torch.arange(len(data.items), device=device)).cpu()
    method.train(was)
    seen = torch.stack([data.user[train], data.item[train]])
    return Recommender(users, items, data.users, data.items, seen, data.item_titles)


class InteractionsTask:
    """User–item interactions: a two-tower model (``two_tower``) trained with in-batch
    sampled softmax and the logQ correction on MovieLens or a CSV; evaluated leave-last-out
    by full ranking (Recall@k, NDCG@k); exported as a recommender."""

    name = "interactions"
    unit = "pairs"
    config = InteractionsConfig
    methods = METHODS
    export_format = FORMAT

    def check(self, cfg: InteractionsConfig) -> None:
        pass

    def build(self, cfg: InteractionsConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        data = load_interactions(cfg.data.source)
        split = leave_last_out(data)
        stream = PairStream(
            data.user[split.train].to(device),
            data.item[split.train].to(device),
            len(data.items),
            batch_size=cfg.optim.batch_size,
            seed=cfg.seed,
            rank=distributed.rank(),
            world=distributed.world_size(),
        )
        record = {"data": {"source": cfg.data.source, "users": len(data.users),
                           "items": len(data.items), "train": len(split.train)}}  # fmt: skip
        return TrainingParts(_method(cfg, data, split.train).to(device), stream, record)

    def monitor(
        self, cfg: InteractionsConfig, parts: TrainingParts, settings: Any, device: torch.device
    ) -> None:
        return None

    def restore(self, cfg: InteractionsConfig, record: Mapping[str, Any]) -> nn.Module:
        data = load_interactions(cfg.data.source)
        return _method(cfg, data, leave_last_out(data).train)

    def encoder(self, run: TrainedRun, device: torch.device) -> Recommender:
        cfg: InteractionsConfig = run.config
        data = load_interactions(cfg.data.source)
        method: TwoTower = run.method  # type: ignore[assignment]
        return recommender_of(method, data, leave_last_out(data).train)

    def read_items(self, cfg: InteractionsConfig, source: str | None, split: str) -> Items:
        data = load_interactions(source or cfg.data.source)
        titles = data.item_titles or data.items
        return Items(list(data.items), list(data.items), {"titles": list(titles)})

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        from contrastkit.evaluation.ranking import held_out_ranks, ranking_scores

        cfg: InteractionsConfig = with_overrides(run.config, overrides)
        interactions = load_interactions(cfg.data.source)
        split = leave_last_out(interactions)
        method: TwoTower = run.method  # type: ignore[assignment]
        recommender = recommender_of(method, interactions, split.train)
        users = split.test_users
        scores = recommender.user_vectors[users] @ recommender.item_vectors.T
        ranks = held_out_ranks(scores, split.test_items, recommender.seen_mask(users))
        k = cfg.eval.k
        result = ranking_scores(ranks, k)
        values = {f"recall@{k}": result.recall, f"ndcg@{k}": result.ndcg, "users": result.users,
                  "items": len(recommender.items), "step": run.step}  # fmt: skip
        summary = (
            f"Recall@{k} {result.recall:.4f}, NDCG@{k} {result.ndcg:.4f} (leave-last-out, "
            f"{result.users} users ranked against all {len(recommender.items)} items)"
        )
        return Evaluation(values, summary)


TASK = InteractionsTask()
