import itertools
import math

import pytest

from contrastkit.engine.schedules import cosine_momentum, warmup_cosine


def test_warmup_rises_linearly_to_peak_then_cosine_reaches_final():
    lrs = [warmup_cosine(s, total=100, warmup=10, peak=1.0, final=0.1) for s in range(101)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(b > a for a, b in itertools.pairwise(lrs[:10]))
    assert lrs[10] == pytest.approx(1.0)
    assert lrs[55] == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 0.5)))
    assert all(b <= a for a, b in itertools.pairwise(lrs[10:]))
    assert lrs[100] == pytest.approx(0.1)


def test_no_warmup_starts_at_peak():
    assert warmup_cosine(0, total=10, warmup=0, peak=2.0) == pytest.approx(2.0)


def test_cosine_momentum_goes_from_base_to_one():
    assert cosine_momentum(0, total=100, base=0.996) == pytest.approx(0.996)
    assert cosine_momentum(50, total=100, base=0.996) == pytest.approx(0.998)
    assert cosine_momentum(100, total=100, base=0.996) == pytest.approx(1.0)


def test_linear_decay_is_a_straight_line_from_peak_to_final():
    from contrastkit.engine.schedules import warmup_linear

    values = [warmup_linear(s, total=10, warmup=0, peak=0.025, final=0.0001) for s in range(11)]
    assert values[0] == 0.025 and values[10] == 0.0001
    steps = [a - b for a, b in itertools.pairwise(values)]
    assert max(steps) - min(steps) < 1e-12  # equal decrements: linear
    assert warmup_linear(0, total=10, warmup=2, peak=1.0) == 0.5
