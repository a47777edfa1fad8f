"""Block Kit builders: pure functions from domain objects to Slack message and view payloads."""
