"""One package per Clerk resource group; Clerk's OpenAPI tag -> package:

| Clerk tag        | package            |
|------------------|--------------------|
| JWKS             | jwks               |
| Users            | users              |
| Email Addresses  | email_addresses    |
| Phone Numbers    | phone_numbers      |
| (locum's own)    | images, locum_admin|
"""
