"""Facility bookings. Times are stored in UTC; rules are read in the property's timezone; every
function that depends on "now" takes it as an argument (tests inject a clock).

The public API, by module (import the module itself: nothing is re-exported here, so importing
the package pulls in no domain and makes no import cycle):

- times: GRID_MINUTES, WEEKDAYS, facility_tz, to_utc, parse_local (the grid and local time).
- facilities: FacilityForm, create_facility, update_facility, list_facilities, add_blackout.
- rules: cancellation_fee (the other booking rules are the package's own).
- lifecycle: book, cancel, quote_cancellation, quote_outcome, decide_request, mark_paid,
  manager_mark_paid (records a paid cash Payment).
- refunds: CancelOutcome, cancel_outcome, refunds_due, mark_refunded (a paid booking cancelled).
- waitlist: join_waitlist, accept_offer, leave_waitlist, my_waitlist.
- housekeeping: expire_holds, expire_offers, send_reminders (run by tasks.booking_housekeeping).
- availability: Slot, day_slots, week_slots.
- listings: BookingRow, my_bookings, facility_bookings.
- exports: bookings_csv, booking_ics.
- paying: start_booking_payment; registers the payments domain's booking hooks on import.
- views: manageable_properties, my_bookings_page (reads for the bookings pages).
- models: Facility, FacilityBlackout, Booking, BookingStatus, WaitlistEntry, WaitStatus.
- tasks: booking_housekeeping (the periodic job).
"""
