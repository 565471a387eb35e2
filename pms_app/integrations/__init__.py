"""Adapters to the outside world: mail, Daraja, storage."""
