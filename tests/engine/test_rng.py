import random

import torch

from contrastkit.engine import rng


def test_capture_restore_replays_every_generator_and_survives_weights_only(tmp_path):
    np_rng = rng.seed_everything(3)
    state = rng.capture(np_rng)
    torch.save(state, tmp_path / "s.pt")
    first = (random.random(), torch.rand(2), np_rng.random())
    rng.restore(torch.load(tmp_path / "s.pt", weights_only=True), np_rng)
    second = (random.random(), torch.rand(2), np_rng.random())
    assert first[0] == second[0] and torch.equal(first[1], second[1]) and first[2] == second[2]


def test_step_seed_is_stable_and_distinct():
    assert rng.step_seed(0, 1, 2) == rng.step_seed(0, 1, 2)
    assert len({rng.step_seed(0, s) for s in range(1000)}) == 1000
    assert 0 <= rng.step_seed(123, 4) < 2**63
