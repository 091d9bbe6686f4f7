"""Text: sentence encoders fine-tuned contrastively (SimCSE, pairs with in-batch negatives)."""
