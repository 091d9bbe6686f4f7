"""Temporal retrieval: does a query's nearest neighbour lie close to it in time?

A frame (or a window of a series) held out of training is a query; the training samples are
the database. A query is retrieved well when its nearest database entry (cosine) comes from
the same sequence within ``within`` time steps of it. A representation that keeps what
changes over time scores high; one that collapses a sequence to one point, or confuses
distant moments, does not.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def temporal_retrieval(
    queries: torch.Tensor,
    query_ids: torch.Tensor,
    query_times: torch.Tensor,
    database: torch.Tensor,
    database_ids: torch.Tensor,
    database_times: torch.Tensor,
    *,
    within: float,
    chunk: int = 1024,
) -> float:
    """Share of queries whose top-1 database entry (cosine, ties to the lower index) shares
    their sequence id and lies within ``within`` of their time.

    Shapes: queries (Q, D), query_ids/query_times (Q,); database (N, D), database_ids/times (N,).
    """
    if len(queries) == 0 or len(database) == 0:
        raise ValueError("temporal retrieval needs at least one query and one database entry")
    db = F.normalize(database.float(), dim=1)
    hits = 0
    for start in range(0, len(queries), chunk):
        q = F.normalize(queries[start : start + chunk].float(), dim=1)
        best = (q @ db.T).argmax(dim=1)  # first maximum: the lower index on ties
        same = database_ids[best] == query_ids[start : start + chunk]
        near = (database_times[best] - query_times[start : start + chunk]).abs() <= within
        hits += int((same & near).sum())
    return hits / len(queries)
