"""Builders of a tiny BERT model directory for the text tests."""

from __future__ import annotations

from pathlib import Path

SENTENCES = (
    "A man is playing a guitar.",
    "A woman is slicing an onion.",
    "The cat sits on the mat.",
    "Two dogs run across the field.",
    "A child is riding a horse.",
    "The stock market fell sharply today.",
    "Scientists discovered a new planet.",
    "The senate passed the budget bill.",
    "A man is cutting a tomato.",
    "Someone is playing the piano.",
    "The weather will be sunny tomorrow.",
    "A group of people are dancing.",
)


def make_tiny_bert(directory: Path) -> Path:
    """Train a WordPiece tokenizer on SENTENCES and save it beside a random tiny BERT."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(
        list(SENTENCES) * 4, trainers.WordPieceTrainer(vocab_size=200, special_tokens=special)
    )
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    fast = BertTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    fast.save_pretrained(directory)
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(directory)
    return directory


_SUBJECTS = ("a man", "a woman", "the cat", "two dogs", "a child", "scientists", "the senate")
_ACTIONS = ("playing a guitar", "slicing an onion", "riding a horse")
FIELDS = ("query", "positive", "negative")
# 21 (query, positive, hard negative) rows; every text in them is distinct
TRIPLETS = tuple(
    (f"{s} {a}", f"{s} is {a} today.", f"{s} is not {a}.") for a in _ACTIONS for s in _SUBJECTS
)


def write_triplets_jsonl(path: Path, fields: tuple[str, ...] = FIELDS) -> str:
    """TRIPLETS as JSONL, keeping ``fields`` (of FIELDS) only; returns the source ``jsonl:PATH``."""
    import json

    records = [{f: t[FIELDS.index(f)] for f in fields} for t in TRIPLETS]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return f"jsonl:{path}"
