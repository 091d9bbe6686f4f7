"""The video task: frame contrast with a temporal exclusion window (see task.py)."""
