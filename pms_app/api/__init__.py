"""Starlette routes mounted beside Reflex's (webhooks, health, authorised downloads)."""
