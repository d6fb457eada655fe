"""A credit: the levy one paid order (or one received share or completed exchange) owes one fund
under one agreement version (pure domain logic).

It is frozen at payment as *pending* (``credits_for_paid_order``, from the levies ``funds.levy``
computes per line) — a share or an exchange is credited and posted at once when its goods were
received (``credits_for_trade``) —, then ``funds.settlement`` posts, voids or reverses it as the order's outcomes
arrive, and ``funds.reconciliation`` compares what it should be with what the funds service holds.
The database rows become credits in one place, ``funds.adapters``.
"""
from dataclasses import dataclass, field

from funds.levy import (levy_lines, moneyless_levy_lines, recipient_fund, round_half_up,
                        versions_in_force)


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
    trade_kind: str = "sale"        # sale (``order_id`` is the order's) | share | exchange (their id)
    route: dict = None              # the contract Route the goods took; None if not told (before v2)

    def route_end(self, end, key):
        """``key`` (province_code, province_group) of the route's ``end`` (origin, destination)."""
        return (self.route or {}).get(end, {}).get(key)

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
        if agreement.seller_org_id != order["seller_org_id"] or not agreement.levies("sale"):
            continue
        lines = levy_lines(agreement, order["lines"])
        amount = sum(line["levy_satang"] for line in lines)
        fund_id = recipient_fund(agreement, order, home_fund_of)
        if lines and amount > 0 and fund_id is not None:
            owed.append(Credit(
                id=None, order_id=order["order_id"], fund_id=fund_id, agreement_id=agreement.id,
                agreement_version=agreement.version, seller_org_id=order["seller_org_id"],
                buyer_org_id=order["buyer_org_id"], amount_satang=amount, lines=tuple(lines),
                route=order.get("route")))
    return owed


def share_trade(share):
    """A received share (contracts.marketplace.ShareEvent) as one trade: giver → receiver."""
    return [_trade("share", share["share_id"], share["giver_org_id"], share["receiver_org_id"],
                   share["goods"], share["route"], share.get("receipt"))]


def exchange_trades(exchange):
    """A completed exchange as its two trades, one per side's goods: each side is the giver of its
    own goods (levied by its own agreements) and the receiver of the other's."""
    owner, offerer = exchange["owner_org_id"], exchange["offerer_org_id"]
    return [_trade("exchange", exchange["exchange_id"], leg["from_org_id"],
                   offerer if leg["from_org_id"] == owner else owner, leg["goods"], leg["route"],
                   leg.get("receipt"))
            for leg in (exchange["owner_leg"], exchange["offerer_leg"])]


def _trade(kind, trade_id, giver, receiver, goods, route, receipt):
    return {"trade_kind": kind, "order_id": trade_id, "seller_org_id": giver, "buyer_org_id": receiver,
            "goods": goods, "route": route, "received_at": receipt["received_at"] if receipt else None}


def credits_for_trade(agreements, trade, at, home_fund_of):
    """The credits (not yet booked) a trade without money owes: only under agreements of its giver
    that list its kind, in force at ``at`` (its receipt). A per-unit or per-order levy; nothing
    when the recipient fund cannot be resolved."""
    owed = []
    for agreement in versions_in_force(agreements, trade["received_at"] or at):
        if agreement.seller_org_id != trade["seller_org_id"] or not agreement.levies(trade["trade_kind"]):
            continue
        lines = moneyless_levy_lines(agreement, trade["goods"])
        amount = sum(line["levy_satang"] for line in lines)
        fund_id = recipient_fund(agreement, trade, home_fund_of)
        if amount > 0 and fund_id is not None:
            owed.append(Credit(
                id=None, order_id=trade["order_id"], fund_id=fund_id, agreement_id=agreement.id,
                agreement_version=agreement.version, seller_org_id=trade["seller_org_id"],
                buyer_org_id=trade["buyer_org_id"], amount_satang=amount, lines=tuple(lines),
                trade_kind=trade["trade_kind"], route=trade["route"]))
    return owed
