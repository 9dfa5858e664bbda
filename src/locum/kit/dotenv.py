"""dotenv lines (`NAME=value`) that bash (`set -a; source .env`), python-dotenv and Node's dotenv
all read back as the same value: `locum keys > .env` and the `locum serve` banner print them."""

import re

# Values of only these characters mean the same to every reader unquoted.
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_@%+=:,./-]*")


def dotenv_line(name: str, value: str) -> str:
    if PLAIN_VALUE.fullmatch(value):
        return f"{name}={value}"
    # Single quotes keep every character literal in all three readers, and none of them can escape one.
    if "'" in value:
        raise ValueError(f"{name}: a value with a single quote reads back differently in bash and in dotenv")
    return f"{name}='{value}'"
