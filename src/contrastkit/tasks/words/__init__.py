"""The word-corpus task: word2vec skip-gram with negative sampling (see task.py)."""
