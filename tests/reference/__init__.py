"""Slow, obviously-correct reference implementations, written from the papers.

Loops over anchors in float64, every number a torch scalar so autograd flows through; no
stabilising tricks (use moderate temperatures). Tests compare the library against these
in value and gradient.
"""
