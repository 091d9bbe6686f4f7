"""Evaluation of frozen embeddings: kNN, linear probe, retrieval metrics, STS correlation,
temporal retrieval.

Every function takes tensors (features, labels, scores), never a model or a method.
"""

from contrastkit.evaluation.correlation import StsResult, pearson, spearman, sts_correlation
from contrastkit.evaluation.knn import knn_accuracy, knn_predict
from contrastkit.evaluation.linear_probe import LinearProbeResult, linear_probe
from contrastkit.evaluation.retrieval import RetrievalMetrics, retrieval_metrics
from contrastkit.evaluation.temporal import temporal_retrieval

__all__ = [
    "LinearProbeResult",
    "RetrievalMetrics",
    "StsResult",
    "knn_accuracy",
    "knn_predict",
    "linear_probe",
    "pearson",
    "retrieval_metrics",
    "spearman",
    "sts_correlation",
    "temporal_retrieval",
]
