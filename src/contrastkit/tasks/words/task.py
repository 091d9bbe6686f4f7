"""The words task: settings, method, corpus, evaluation and export, as one :class:`Task`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.data.corpus import load_corpus
from contrastkit.engine.config import with_overrides
from contrastkit.engine.run import TrainedRun
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.tasks.words.config import WordsConfig
from contrastkit.tasks.words.encoder import FORMAT, WordVectors
from contrastkit.tasks.words.method import Word2Vec
from contrastkit.tasks.words.stream import SkipGramStream
from contrastkit.tasks.words.vocab import NoiseSampler, Vocabulary
from contrastkit.types import Items

METHODS: dict[str, type[nn.Module]] = {"word2vec": Word2Vec}


def _method(cfg: WordsConfig, vocabulary: int) -> Word2Vec:
    m = cfg.model
    return Word2Vec(vocabulary, m.dim, loss=m.loss, temperature=cfg.temperature, group=m.group)


def corpus_stream(
    cfg: WordsConfig, sentences: list[list[str]]
) -> tuple[Vocabulary, SkipGramStream]:
    """The vocabulary of ``sentences`` and the training stream over them."""
    d = cfg.data
    vocab = Vocabulary.of(sentences, d.min_count)
    index = vocab.index()
    ids, sentence_of = [], []
    for s, words in enumerate(sentences):
        known = [index[w] for w in words if w in index]
        ids.extend(known)
        sentence_of.extend([s] * len(known))
    stream = SkipGramStream(
        torch.tensor(ids),
        torch.tensor(sentence_of),
        vocab.keep_probability(d.sample),
        NoiseSampler(vocab.noise(cfg.model.ns_exponent)),
        window=d.window,
        negatives=cfg.model.negatives,
        words=cfg.optim.batch_size,
        raw_words=sum(map(len, sentences)),
        rank=distributed.rank(),
        world=distributed.world_size(),
    )
    return vocab, stream


class WordsTask:
    """Word corpora: word2vec skip-gram with negative sampling (or in-batch InfoNCE) on the
    Brown corpus or a text file; evaluated on WordSim353, SimLex-999 and the Google
    analogies; exported in word2vec's text and binary formats."""

    name = "words"
    unit = "words"
    config = WordsConfig
    methods = METHODS
    export_format = FORMAT

    def check(self, cfg: WordsConfig) -> None:
        pass  # the settings model checks everything that needs no data

    def build(self, cfg: WordsConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        sentences = load_corpus(cfg.data.source)
        vocab, stream = corpus_stream(cfg, sentences)
        record = {
            "vocabulary": vocab.words,
            "data": {"source": cfg.data.source, "words": len(vocab), "tokens": len(stream.ids)},
        }
        return TrainingParts(_method(cfg, len(vocab)), stream, record)

    def monitor(
        self, cfg: WordsConfig, parts: TrainingParts, settings: Any, device: torch.device
    ) -> None:
        return None

    def restore(self, cfg: WordsConfig, record: Mapping[str, Any]) -> nn.Module:
        return _method(cfg, len(record["vocabulary"]))

    def encoder(self, run: TrainedRun, device: torch.device) -> WordVectors:
        method: Word2Vec = run.method  # type: ignore[assignment]
        return WordVectors(run.record["vocabulary"], method.input.weight)

    def read_items(self, cfg: WordsConfig, source: str | None, split: str) -> Items:
        if source is None:  # the vocabulary itself, as training built it
            words = Vocabulary.of(load_corpus(cfg.data.source), cfg.data.min_count).words
            return Items(words, words, {})
        texts = [" ".join(s) for s in load_corpus(source)]  # texts: each their words' mean
        return Items([f"{source}:{i}" for i in range(len(texts))], texts, {"texts": texts})

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        from contrastkit.tasks.words.evaluate import word_scores

        cfg: WordsConfig = with_overrides(run.config, overrides)
        scores = word_scores(self.encoder(run, device), restrict=cfg.eval.restrict)
        scores["step"] = run.step
        summary = (
            f"WordSim353 Spearman {scores['wordsim353']:.3f}, SimLex-999 "
            f"{scores['simlex999']:.3f}, analogies {scores['analogy_accuracy']:.2%} "
            f"({scores['analogy_questions']} questions in the vocabulary)"
        )
        return Evaluation(scores, summary)


TASK = WordsTask()
