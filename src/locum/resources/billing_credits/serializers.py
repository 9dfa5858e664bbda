"""Credit balances and ledger entries as Clerk renders them (CommerceCreditBalanceResponse,
CommerceCreditLedgerResponse), and money as CommerceMoneyResponse."""

from locum.db.models import BillingCreditBalance, BillingCreditLedgerEntry
from locum.kit.clock import ms_to_rfc3339
from locum.kit.json_types import JSON
from locum.resources.billing.serializers import money_json


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
        "created_at": ms_to_rfc3339(entry.created_at),
    }
