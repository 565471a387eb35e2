"""pms: self-hosted property management."""
