"""A local stand-in for Safaricom Daraja: same paths, JSON shapes and error codes (see
/work/shared/reference/daraja.md), plus a 'phone' page where a person answers STK prompts.

Mounted only when settings.uses_simulator (no DARAJA_CONSUMER_KEY configured).
"""
