"""A local stand-in for Safaricom Daraja: same paths, JSON shapes and error codes (see
/work/shared/reference/daraja.md), plus a 'phone' page where a person answers STK prompts.

Mounted only when settings.uses_simulator: the install opted in with MPESA_SIMULATOR=1, has no
DARAJA_CONSUMER_KEY, and its BASE_URL is local (or MPESA_SIMULATOR_FORCE=1).
"""
