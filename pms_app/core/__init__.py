"""Core: what every domain stands on; imports no domain. Import the modules (no re-exports):

- db: session_scope, get_engine, make_engine, use_engine, on_commit, committed_since_asked.
- db_version: data_version (SQLite's commit counter: has anyone committed since?).
- settings: get_settings, Settings, check_config, ConfigError.
- errors: ServiceError, ValidationError, NotFound, NotAuthenticated, Throttled.
- validation: clean_email, clean_name, clean_text, clean_phone, clean_amount, clean_int,
  clean_unit_label, check_date_range.
- clock: now, today, today_local, set_offset (the one clock).
- jobs: task, periodic, enqueue, enqueue_later, enqueue_after_commit, embedded_scheduler.
- realtime: publish, notify_after_commit (live-update signals, after commit).
- sequences: next_number, next_value, insert_if_absent, insert_ignore.
- timestamps: utcnow.
- models: Counter.
- migrations: upgrade, alembic_config.
- file_modes: lock_down, tighten, private_paths (secret files are the app user's alone).
- sqlite_writes (internal to db): connection_factory (one SQLite writer at a time).
"""
