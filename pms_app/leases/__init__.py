"""Leases: a tenant's lease of a unit. Import the modules themselves (no re-exports):

- models: Lease, LeaseStatus.
- service: create_lease, end_lease, get_managed_lease, get_readable_lease, tenant_lease,
  active_lease_for_ref (a paybill account number as typed),
  on_lease_started (the ledger registers its hook), parse_date, today_local.
- views: lease_choices (the free units and tenants a new lease can be made of).
"""
