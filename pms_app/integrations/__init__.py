"""Adapters to the outside world: mail, Daraja, storage, PDF; they import no domain. Import the
modules themselves (no re-exports):

- daraja: DarajaClient, client_from_settings, parse_stk_callback, parse_c2b, normalize_msisdn,
  StkCallback, C2BPayment, DarajaError (M-Pesa); daraja_setup: describe, config_problems,
  url_problems, explain (what is configured, what the settings get wrong, what an error means).
- mail: deliver, build_mime, open_smtp, close_smtp (SMTP, or an .eml file in the outbox).
- storage: save, read, delete, private_dir (private files, generated names).
- pdf: text_pdf (receipts and statements).
"""
