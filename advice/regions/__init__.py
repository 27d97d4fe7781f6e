"""The region: its municipalities, advice offices and region-wide settings."""
