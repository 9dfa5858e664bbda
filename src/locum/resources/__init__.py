"""One package per Clerk resource group; Clerk's OpenAPI tag -> package:

| Clerk tag                           | package                   |
|-------------------------------------|---------------------------|
| JWKS                                | jwks                      |
| Users                               | users                     |
| Email Addresses                     | email_addresses           |
| Phone Numbers                       | phone_numbers             |
| (shared by the two above)           | identifications           |
| Organizations                       | organizations             |
| Organization Memberships            | organization_memberships  |
| Organization Invitations            | organization_invitations  |
| Organization Domains                | organization_domains      |
| Organization Roles, … Permissions   | organization_roles        |
| Role Sets                           | role_sets                 |
| Instance Settings (organizations)   | instance_settings         |
| (locum's own: /locum/…)             | locum_admin, images       |
"""
