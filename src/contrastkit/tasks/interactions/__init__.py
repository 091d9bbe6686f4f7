"""The user–item task: a two-tower recommender trained with in-batch negatives (task.py)."""
