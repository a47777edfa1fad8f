"""funnelbot application: use cases, CLI and the Slack layer."""
