"""Payments: M-Pesa STK push and paybill (C2B), cash/bank, reviews, receipts and reports.

Public API, one module a line (import the module itself: nothing is re-exported here):
- `stk`: start_stk_payment, send_stk_push, fail_unsent, reconcile_pending, callback_url, MPESA_OFF
- `callbacks`: process_stk_callback, apply_early_callback, drop_stale_early_callbacks
- `paybill`: process_c2b_confirmation, visible_unallocated, assign_unallocated
- `reviews`: visible_reviews, resolve_review, record_manual_payment (cash or bank)
- `crediting`: credit_payment (paid, ledger credit and receipt, exactly once)
- `booking_fees`: start_booking_stk, record_booking_payment, BookingHooks,
  register_booking_hooks, MPESA_OFF_BOOKING
- `shared`: get_visible_payment, payment_label, set_status, notify_payment, require_mpesa
- `voids`: void_payment, VOIDABLE_METHODS
- `audit_trail`: payment_history, lease_history (who voided what, for the managers)
- `receipts`: receipt_pdf
- `reports`: dashboard, arrears_list, Filters
- `exports`: payments_csv
- `board`: payments_page (the managers' payments page in one read)
- `tenant`: rent_page (the tenant's Rent page in one read)
- `lease_view`: lease_page, lease_info, payment_lines
- `reminders`: reminder_targets, queue_reminder, automatic_reminders
- `prompt_guard`: refuse_if_prompt_open, PROMPT_OPEN_WAIT_S (no push to a phone with a prompt open)
- `setup_problems`: setup_problem (the managers' M-Pesa setup notice), mpesa_setup (admin page)
- `tasks`: the background tasks (send_stk_push, reconcile_payments, automatic_reminders)
- `models`: Payment, PaymentMethod, PaymentStatus, EarlyStkCallback
"""
