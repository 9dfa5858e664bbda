"""One package per Clerk resource group; Clerk's OpenAPI tag -> package:

| Clerk tag                           | package                   |
|-------------------------------------|---------------------------|
| JWKS                                | jwks                      |
| Users                               | users                     |
| Email Addresses                     | email_addresses           |
| Phone Numbers                       | phone_numbers             |
| (shared by the two above)           | identifications           |
| Sessions                            | sessions                  |
| Clients                             | clients                   |
| Actor Tokens                        | actor_tokens              |
| Sign-in Tokens                      | sign_in_tokens            |
| Testing Tokens                      | testing_tokens            |
| JWT Templates                       | jwt_templates             |
| Email & SMS Templates               | templates                 |
| Organizations                       | organizations             |
| Organization Memberships            | organization_memberships  |
| Organization Invitations            | organization_invitations  |
| Organization Domains                | organization_domains      |
| Organization Roles, … Permissions   | organization_roles        |
| Role Sets                           | role_sets                 |
| Instance Settings (organizations)   | instance_settings         |
| Webhooks (Svix)                     | svix                      |
| Machines                            | machines                  |
| M2M Tokens                          | m2m_tokens                |
| Allow-list / Block-list             | identifier_lists          |
| Invitations                         | invitations               |
| Sign Ups (+ /locum/sign_ups)        | sign_ups                  |
| Waitlist Entries                    | waitlist_entries          |
| Domains                             | domains                   |
| Redirect URLs                       | redirect_urls             |
| Proxy Checks                        | proxy_checks              |
| SCIM Directories, Directories       | directories               |
| Billing (+ /locum/billing)          | billing                   |
| Miscellaneous (public interstitial) | interstitial              |
| SAML Connections (deprecated view)  | saml_connections          |
| Enterprise Connections (+ /locum/users/{id}/enterprise_accounts) | enterprise_connections |
| Billing: credit balances            | billing_credits           |
| Billing: subscription item discounts| billing_discounts         |
|   (+ /locum/billing/discounts)      |                           |
| (locum's own: /locum/…)             | locum_admin, frontend, webhook_endpoints,         |
|                                     | webhook_replay, messages_admin, images,           |
|                                     | locum_instances, locum_reset                      |

Every group has the same shape (its `__init__.py` imports nothing: create_app names each `routes`
module, imported when a request could reach it, and importing a group's service must not import its
routes):

- `routes.py`: one function per operation, taking the request context (`Context`), a session, the
  query model and the body (`body_of`), calling one service function and answering its JSON.
- `service.py`: the group's rules, as `(session, ctx, …)`; it serializes (`serializers.py`) and
  records events (`outbox.events.record(session, ctx, …)`). It never takes loose instance ids or
  origins: they travel in the context.
- `repository.py`: the group's queries, on a `db.repository.InstanceRepository` built for the
  context's instance; every statement is filtered on it (`db/scoping.py`). Rows out, never JSON.
- `schemas.py`: bodies (`api.bodies.ClerkBody`) and query models (list queries extend
  `api.pagination.PageQuery`); `errors.py`: the group's own Clerk errors as named constructors.
"""
