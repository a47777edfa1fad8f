"""Embedding, vector and lexical indexes, stage inference and ranking. No Slack."""
