"""What email addresses and phone numbers share: create/update/delete/replace rules and the
one-time-code verification flow, each written once and parameterised by an IdentificationKind.
The email_addresses and phone_numbers packages hold only their routes, bodies and own rules."""
