"""The content library and the recommendation log: models, loaders, queries. No Slack, no torch."""
