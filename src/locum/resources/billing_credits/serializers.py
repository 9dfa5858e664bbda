"""Credit balances and ledger entries as Clerk renders them (CommerceCreditBalanceResponse,
CommerceCreditLedgerResponse), and money as CommerceMoneyResponse."""

from datetime import UTC, datetime

from locum.db.models import BillingCreditBalance, BillingCreditLedgerEntry
from locum.kit.json_types import JSON
from locum.resources.billing.serializers import money_json


def signed_money_json(cents: int, currency: str) -> JSON:
    """money_json of an amount that may be negative (a decrease): `-2.50`, where billing's gives `-3.50`
    (its floor division is for charges, never negative)."""
    if cents >= 0:
        return money_json(cents, currency)
    money = money_json(-cents, currency)
    return money | {"amount": cents, "amount_formatted": f"-{money['amount_formatted']}"}


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
        "amount": signed_money_json(entry.amount, entry.currency),
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "note": entry.note,
        "created_at": rfc3339(entry.created_at),
    }
