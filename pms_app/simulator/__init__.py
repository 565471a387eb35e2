"""A local stand-in for Safaricom Daraja: same paths, JSON shapes and error codes (see
/work/shared/reference/daraja.md), plus a 'phone' page where a person answers STK prompts.

Mounted only when settings.uses_simulator: the install opted in with MPESA_SIMULATOR=1, has no
DARAJA_CONSUMER_KEY, and its BASE_URL is local (or MPESA_SIMULATOR_FORCE=1).

Answers commit first; the callback is posted by `delivery` after the commit (never inside the
request that caused it). Public API, one module a line (import the module; nothing re-exported):
- `routes`: simulator_routes (the /sim/... endpoints)
- `oauth`: issue_token, check_bearer
- `stk`: create_stk_request, push_response, query, answer, apply_auto_rule, pending_prompts,
  recent_answers, callback_payload, find, ACCEPT / CANCEL / TIMEOUT
- `c2b`: register_c2b, simulate_c2b, c2b_payload, c2b_transactions
- `wire`: WireError, BadCredentials, SimulatorError, the field checks (check_*), new_request_id
- `delivery`: schedule_stk_callback, schedule_c2b, is_own_callback_url, wait_idle
- `access`: phone_page_url, phone_key_ok, may_use_phone
- `models`: SimStkRequest, SimC2BRegistration, SimC2BTransaction, SimToken
"""
