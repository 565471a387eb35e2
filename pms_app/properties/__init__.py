"""Properties: properties, units and who belongs to them. Import the modules (no re-exports):

- models: Property, Unit, Membership, MembershipStatus, Invitation.
- service: create_property, update_property, list_properties, list_units, add_unit, update_unit,
  delete_unit, delete_property, update_rules, list_all_properties.
- views: property_page (the property page's data in one permission-checked read).
- access: get_managed_property, get_visible_property, managed_property_ids, visible_property_ids,
  require_approved, is_approved, MANAGING_ROLES (every service that takes an id goes through it).
- memberships: approve_tenant, reject_tenant, pending_approvals, pending_count, tenant_status,
  property_people.
- joining: find_by_code, signup_tenant (by the property's code), reapply (after a rejection).
- invitations: invite, view_invitation, accept_with_new_account, accept_as_user.
- identity: session_identity, Identity, NOBODY (who is behind a session token, one statement).
- account_numbers: property_for_ref, normalise_ref, compact_ref, lease_ref, free_prefix (paybill accounts).
- audience: property_audience (who hears of a change at a property).
"""
