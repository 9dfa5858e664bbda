"""Well-known disposable (throwaway inbox) email domains, for `block_disposable_email_domains`.

Clerk keeps its own list and does not publish it; this is a short one of long-lived public services,
bundled rather than fetched so that the check never needs the network. An address is disposable when
its domain, or a parent of it, is listed (services hand out subdomains too).
"""

DISPOSABLE_EMAIL_DOMAINS = frozenset(
    {
        "10minutemail.com",
        "10minutemail.net",
        "anonbox.net",
        "burnermail.io",
        "discard.email",
        "dispostable.com",
        "dropmail.me",
        "emailondeck.com",
        "fakeinbox.com",
        "getairmail.com",
        "getnada.com",
        "grr.la",
        "guerrillamail.biz",
        "guerrillamail.com",
        "guerrillamail.de",
        "guerrillamail.info",
        "guerrillamail.net",
        "guerrillamail.org",
        "guerrillamailblock.com",
        "harakirimail.com",
        "inboxkitten.com",
        "jetable.org",
        "mailcatch.com",
        "maildrop.cc",
        "mailinator.com",
        "mailinator.net",
        "mailnesia.com",
        "mailpoof.com",
        "mintemail.com",
        "moakt.com",
        "mohmal.com",
        "mytemp.email",
        "sharklasers.com",
        "spam4.me",
        "spamgourmet.com",
        "temp-mail.io",
        "temp-mail.org",
        "tempail.com",
        "tempmail.com",
        "tempmailo.com",
        "tempr.email",
        "throwawaymail.com",
        "trashmail.com",
        "trashmail.de",
        "yopmail.com",
        "yopmail.fr",
        "yopmail.net",
    }
)


def is_disposable(domain: str) -> bool:
    labels = domain.lower().split(".")
    return any(".".join(labels[i:]) in DISPOSABLE_EMAIL_DOMAINS for i in range(len(labels) - 1))
