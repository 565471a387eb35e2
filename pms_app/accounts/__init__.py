"""Accounts: people, passwords, login sessions. Import the modules themselves (no re-exports):

- models: Role, User, AuthSession, LoginThrottle.
- service: signup_landlord, create_user, login, logout, user_for_token, change_password,
  request_password_reset, reset_password, update_profile, revoke_all_sessions.
- admin: list_users, set_user_active, create_admin, require_admin (the admin page and the CLI).
- access: require_user, require_approved; register_approval_check (properties registers it).
- throttle: check, record, hit, login_keys (slow-downs for logins and other guessable forms).
- tokens: new_token, hash_token, make_reset_token, check_reset_token.
- passwords (internal): hash_password, verify_password, check_password_policy.
"""
