"""A credit: the levy one paid order owes one fund under one agreement version (pure domain logic).

It is frozen at payment as *pending* (``credits_for_paid_order``, from the levies ``funds.levy``
computes per line), then ``funds.settlement`` posts, voids or reverses it as the order's outcomes
arrive, and ``funds.reconciliation`` compares what it should be with what the funds service holds.
The database rows become credits in one place, ``funds.adapters``.
"""
from dataclasses import dataclass, field

from funds.levy import levy_lines, recipient_fund, round_half_up, versions_in_force

@dataclass(frozen=True)
class Credit:
    """A frozen levy and how much of it has been refunded so far."""

    id: object                      # None until the handler books it
    order_id: object
    fund_id: object
    agreement_id: object
    agreement_version: int
    seller_org_id: object
    buyer_org_id: object
    amount_satang: int              # as frozen and booked at payment
    lines: tuple                    # ({"line_no", "product_id", "product_name", "unit", "quantity",
                                    #   "levy_satang"}, …) as frozen
    status: str = "pending"         # pending | posted | voided
    refunded: dict = field(default_factory=dict)   # line_no → cumulative refunded quantity

    @property
    def levy_satang(self):
        """The levy of its lines: ``amount_satang``, unless the stored credit was damaged."""
        return sum(line["levy_satang"] for line in self.lines)

    @property
    def reversed_satang(self):
        return sum(reversed_levy(line, self.refunded.get(line["line_no"], 0)) for line in self.lines)

    @property
    def outstanding(self):
        """What the credit still holds for the fund, in its current phase (0 once voided)."""
        return 0 if self.status == "voided" else self.levy_satang - self.reversed_satang


def reversed_levy(line, refunded_quantity):
    """The share of a line's levy that ``refunded_quantity`` units carry (cumulative, rounded half up)."""
    return round_half_up(line["levy_satang"] * refunded_quantity, line["quantity"])


def credits_for_paid_order(agreements, order, home_fund_of):
    """The pending credits (not yet booked: ``id`` None) owed on a paid order, one per agreement
    in force (``agreements`` may hold several versions of each).

    An agreement whose recipient fund cannot be resolved yields nothing (never credited to a guess).
    """
    owed = []
    for agreement in versions_in_force(agreements, order["paid_at"]):
        if agreement.seller_org_id != order["seller_org_id"]:
            continue
        lines = levy_lines(agreement, order["lines"])
        amount = sum(line["levy_satang"] for line in lines)
        fund_id = recipient_fund(agreement, order, home_fund_of)
        if lines and amount > 0 and fund_id is not None:
            owed.append(Credit(
                id=None, order_id=order["order_id"], fund_id=fund_id, agreement_id=agreement.id,
                agreement_version=agreement.version, seller_org_id=order["seller_org_id"],
                buyer_org_id=order["buyer_org_id"], amount_satang=amount, lines=tuple(lines)))
    return owed
