"""Discount queries: discounts and the active redemption of a subscription item (items and prices
are billing's: resources/billing/repository.py)."""

from locum.api.ordering import NEWEST_FIRST
from locum.api.pagination import Page, PageQuery, page_of
from locum.db.locking import kept, locked
from locum.db.models import BillingDiscount, BillingDiscountRedemption
from locum.db.repository import InstanceRepository
from locum.resources.billing_discounts.errors import discount_not_found


class DiscountRepository(InstanceRepository[BillingDiscount]):
    model = BillingDiscount
    id_kind = "billing_discount"

    def not_found(self, id: str) -> Exception:
        return discount_not_found()

    async def kept_or_raise(self, id: str) -> BillingDiscount:
        """The discount, kept from deletion until commit (a redemption of it is about to be made)."""
        discount: BillingDiscount | None = await self.session.scalar(
            kept(self.select().where(BillingDiscount.id == id))
        )
        if discount is None:
            raise self.not_found(id)
        return discount

    async def page(self, query: PageQuery) -> Page[BillingDiscount]:
        return await page_of(
            self.session,
            self.select(),
            query,
            ordering=NEWEST_FIRST,
            column=BillingDiscount.created_at,
            id_column=BillingDiscount.id,
        )


class RedemptionRepository(InstanceRepository[BillingDiscountRedemption]):
    model = BillingDiscountRedemption
    id_kind = "billing_discount_redemption"

    def not_found(self, id: str) -> Exception:
        return discount_not_found()

    async def active_of(self, subscription_item_id: str) -> BillingDiscountRedemption | None:
        """The item's active redemption, locked (the caller holds the item's lock already)."""
        redemption: BillingDiscountRedemption | None = await self.session.scalar(
            locked(
                self.select().where(
                    BillingDiscountRedemption.subscription_item_id == subscription_item_id,
                    BillingDiscountRedemption.status == "active",
                )
            )
        )
        return redemption
