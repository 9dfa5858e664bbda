"""Credit balances and ledger entries as Clerk renders them (CommerceCreditBalanceResponse,
CommerceCreditLedgerResponse), and money as CommerceMoneyResponse."""

from datetime import UTC, datetime

from locum.db.models import BillingCreditBalance, BillingCreditLedgerEntry
from locum.kit.json_types import JSON

CURRENCY_SYMBOLS = {"USD": "$"}


def money_json(cents: int, currency: str) -> JSON:
    """`{amount, amount_formatted, currency, currency_symbol}`: cents, and the amount in units with
    two decimals (`"49.99"`, `"-5.00"`), the symbol apart as Clerk's components print it."""
    units, remainder = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return {
        "amount": cents,
        "amount_formatted": f"{sign}{units}.{remainder:02d}",
        "currency": currency,
        "currency_symbol": CURRENCY_SYMBOLS.get(currency, ""),
    }


def rfc3339(ms: int) -> str:
    """Unix milliseconds as an RFC 3339 UTC date-time (`2026-12-06T04:33:40.123Z`)."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def credit_balance_json(balance: BillingCreditBalance | None) -> JSON:
    """The payer's balance; null when it never had credits."""
    return {
        "object": "commerce_credit_balance",
        "balance": None if balance is None else money_json(balance.amount, balance.currency),
    }


def ledger_entry_json(entry: BillingCreditLedgerEntry) -> JSON:
    return {
        "object": "commerce_credit_ledger",
        "id": entry.id,
        "payer_id": entry.payer_id,
        "amount": money_json(entry.amount, entry.currency),
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "note": entry.note,
        "created_at": rfc3339(entry.created_at),
    }
