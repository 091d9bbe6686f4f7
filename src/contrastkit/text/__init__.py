"""Text embeddings: a Hugging Face encoder with pooling and normalisation, and its export.

Importing this package does not import transformers; :meth:`TextEncoder.from_pretrained`
and :func:`export_sentence_transformers` do, when called.
"""

from contrastkit.text.encoder import TextEncoder, Tokens
from contrastkit.text.export import export_sentence_transformers
from contrastkit.text.pooling import POOLINGS, pool
from contrastkit.text.pretrained import BUILTIN, builtin_model_dir

__all__ = [
    "BUILTIN",
    "POOLINGS",
    "TextEncoder",
    "Tokens",
    "builtin_model_dir",
    "export_sentence_transformers",
    "pool",
]
