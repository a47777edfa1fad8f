"""The Slack surface: the bolt app, its listeners, Block Kit rendering and the two transports."""
