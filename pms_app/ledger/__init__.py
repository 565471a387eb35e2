"""Ledger: the rent ledger, in whole shillings. Import the modules themselves (no re-exports):

- models: LedgerEntry, EntryKind, LateFeeRule.
- service: statement, balance, list_leases, post_adjustment, charge_deposit, raise_rent_charges,
  apply_late_fees, run_billing, rent_due_dates, late_fee_for.
- tasks: run_billing (the periodic job: monthly charges and late fees, caught up after downtime).
"""
