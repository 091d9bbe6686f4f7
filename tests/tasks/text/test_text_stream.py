"""TextStream: each batch of row indices becomes the rows' texts, tokenized column by column."""

from __future__ import annotations

import pytest
import torch

from contrastkit.engine.sampler import EpochBatches
from contrastkit.negatives import NoDuplicateBatches
from contrastkit.tasks.text.stream import TextStream
from contrastkit.text import TextEncoder
from contrastkit.types import TextBatch
from text.text_fakes import SENTENCES, TRIPLETS

# column 1 is several sentences long, so its padding differs from the short queries'
ROWS = [(q, f"{p} {SENTENCES[i % len(SENTENCES)]}") for i, (q, p, _) in enumerate(TRIPLETS)]
BATCH = 4


@pytest.fixture(scope="module")
def encoder(tiny_bert_dir) -> TextEncoder:
    return TextEncoder.from_pretrained(tiny_bert_dir)


@pytest.mark.parametrize("sampler", [EpochBatches, NoDuplicateBatches])
def test_batches_are_the_rows_tokenized_and_padded_per_column(encoder, sampler):
    batches = (
        EpochBatches(len(ROWS), BATCH, seed=3)
        if sampler is EpochBatches
        else NoDuplicateBatches(ROWS, BATCH, seed=3)
    )
    stream = TextStream(ROWS, batches, encoder.tokenize, torch.device("cpu"))
    out = list(stream.epoch(1))
    assert len(out) == len(ROWS) // BATCH
    lengths = set()
    for batch, idx in zip(out, batches.epoch(1), strict=True):
        assert isinstance(batch, TextBatch) and len(batch) == BATCH
        assert len(batch.columns) == 2
        for c, column in enumerate(batch.columns):
            # each text alone, unpadded: the reference tokenization
            alone = [encoder.tokenizer(ROWS[i][c])["input_ids"] for i in idx.tolist()]
            longest = max(len(ids) for ids in alone)
            assert column["input_ids"].shape == column["attention_mask"].shape == (BATCH, longest)
            for ids, row, mask in zip(
                alone, column["input_ids"], column["attention_mask"], strict=True
            ):
                assert mask.tolist() == [1] * len(ids) + [0] * (longest - len(ids))
                assert row[: len(ids)].tolist() == ids
                assert (row[len(ids) :] == encoder.tokenizer.pad_token_id).all()
            lengths.add((c, longest))
    # the two columns pad to different lengths (answers are longer than queries)
    assert max(n for c, n in lengths if c == 0) < min(n for c, n in lengths if c == 1)


def test_start_skips_batches(encoder):
    stream = TextStream(
        ROWS, EpochBatches(len(ROWS), BATCH, seed=0), encoder.tokenize, torch.device("cpu")
    )
    whole = list(stream.epoch(0))
    rest = list(stream.epoch(0, start=2))
    assert len(rest) == len(whole) - 2
    for a, b in zip(rest, whole[2:], strict=True):
        for ca, cb in zip(a.columns, b.columns, strict=True):
            assert ca.keys() == cb.keys()
            assert all(torch.equal(ca[k], cb[k]) for k in ca)
    assert list(stream.epoch(0, start=len(whole))) == []
