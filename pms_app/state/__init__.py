"""Reflex states: thin. They hold view data, call services, and never trust their arguments."""
