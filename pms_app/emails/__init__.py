"""Emails: every email a row first, delivered once. Import the modules (no re-exports):

- models: EmailMessage.
- service: queue_email, send_email_now, send_emails_now, unsent_email_ids.
- tasks: send_email, sweep_unsent_emails (delivery in the background).
"""
