"""Explanations of similarities: which parts of a query and a candidate make them alike, and
which part matches which (:func:`explain`)."""

from contrastkit.explain.attribution import METHODS, Attribution, attribute, similarity_to
from contrastkit.explain.explanation import Explanation, Side, explain
from contrastkit.explain.pairwise import PairwiseMap, contributions, pairwise_map
from contrastkit.explain.parts import ExplainsParts, Parts

__all__ = [
    "METHODS",
    "Attribution",
    "ExplainsParts",
    "Explanation",
    "PairwiseMap",
    "Parts",
    "Side",
    "attribute",
    "contributions",
    "explain",
    "pairwise_map",
    "similarity_to",
]
