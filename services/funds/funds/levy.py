"""Levy agreements and the levies they impose on a paid order's lines (pure domain logic).

Rounding rule: a levy is computed per order line, in whole satang. A percentage levy
(basis points of the line value) rounds half up: 0.5 satang and above rounds to 1.
A per-order levy is charged once per order, on the first line it applies to that money was paid for.

Levy follows money: no line's levy exceeds the money paid for that line (its value), and a per-order
levy never exceeds the value of the line it is charged on. So the levy of an order never exceeds what
was paid for it, and a 0-baht line (or order) is levied nothing, whatever the agreement says.

Shipping: an order's shipping fee is its own line (kind "shipping", no product); an agreement levies
it only when it says so (``levies_shipping``), and then whatever its category or products.

Trade kinds: an agreement levies sales unless it lists the kinds it levies (``trade_kinds``). A share
or an exchange moves no money, so it is levied only by an agreement that lists its kind, per unit
(satang per unit of the goods received) or per order (a fixed sum per share or exchange), never by
basis points (a share of no money).
"""
import datetime as dt
import uuid
from dataclasses import dataclass

BASES = ("per_unit", "basis_points", "per_order")
RECIPIENTS = ("fund", "buyer_home_fund", "seller_home_fund")
TRADE_KINDS = ("sale", "share", "exchange")   # as contracts.funds.TRADE_KINDS
MONEYLESS = ("share", "exchange")             # trades no money moves in
GOODS, SHIPPING = "goods", "shipping"


@dataclass(frozen=True)
class Agreement:
    id: uuid.UUID
    version: int
    seller_org_id: uuid.UUID
    basis: str
    rate: int                      # satang per unit, basis points, or satang per order
    recipient: str
    fund_id: uuid.UUID = None      # for recipient "fund"
    category: str = None           # narrow to one category …
    product_ids: tuple = None      # … or to these products
    effective_from: dt.datetime = None
    effective_to: dt.datetime = None
    levies_shipping: bool = False  # an order's shipping line is levied only when True
    trade_kinds: tuple = ("sale",)  # the kinds of trade it levies

    def in_force(self, at):
        return self.effective_from <= at and (self.effective_to is None or at < self.effective_to)

    def levies(self, trade_kind):
        return trade_kind in self.trade_kinds

    def applies_to(self, line):
        if line_kind(line) == SHIPPING:
            return self.levies_shipping
        if self.product_ids and line["product_id"] not in self.product_ids:
            return False
        return self.category is None or line["category"] == self.category


def line_kind(line):
    """An order line's kind; lines of order events before version 2 are all goods."""
    return line.get("kind") or GOODS


def refusals(basis, trade_kinds):
    """{field: [Thai (English)]} of what an agreement cannot say: empty when it is sound."""
    found = {}
    if not trade_kinds:
        found["trade_kinds"] = ["ต้องระบุประเภทการค้าอย่างน้อยหนึ่งประเภท (at least one trade kind)"]
    elif len(set(trade_kinds)) != len(trade_kinds):
        found["trade_kinds"] = ["ระบุประเภทการค้าซ้ำ (a trade kind is listed twice)"]
    elif basis == "basis_points" and set(trade_kinds) & set(MONEYLESS):
        found["trade_kinds"] = ["การแบ่งปันและการแลกเปลี่ยนไม่มีเงิน เก็บเป็นร้อยละไม่ได้ ใช้ต่อหน่วยหรือต่อครั้ง "
                                "(a share or exchange moves no money: levy it per unit or per order, "
                                "not in basis points)"]
    return found


def round_half_up(numerator, denominator):
    return (2 * numerator + denominator) // (2 * denominator)


def line_value(line):
    return line["quantity"] * line["unit_price_satang"]


def line_levy(agreement, line):
    value = line_value(line)
    if agreement.basis == "per_unit":
        return min(line["quantity"] * agreement.rate, value)
    if agreement.basis == "basis_points":
        return min(round_half_up(value * agreement.rate, 10_000), value)
    return 0  # per_order is charged on the order, below


def levy_lines(agreement, order_lines):
    """The levy per applicable line; empty if the agreement touches no line of the order."""
    lines = [line for line in order_lines if agreement.applies_to(line)]
    levied = [{
        "line_no": line["line_no"], "kind": line_kind(line), "product_id": line["product_id"],
        "product_name": line["product_name"], "unit": line["unit"],
        "quantity": line["quantity"], "levy_satang": line_levy(agreement, line),
    } for line in lines]
    paid_lines = [(levy, line) for levy, line in zip(levied, lines) if line_value(line) > 0]
    if agreement.basis == "per_order" and paid_lines:
        levy, line = paid_lines[0]
        levy["levy_satang"] = min(agreement.rate, line_value(line))
    return levied


def moneyless_levy_lines(agreement, goods):
    """The levy of the goods of a share or of one side of an exchange (no money): per unit, or the
    fixed sum per order; nothing unless the agreement applies to the goods."""
    line = {**goods, "line_no": 1, "kind": GOODS}
    if not agreement.applies_to(line) or agreement.basis == "basis_points":
        return []
    levy = goods["quantity"] * agreement.rate if agreement.basis == "per_unit" else agreement.rate
    return [{"line_no": 1, "kind": GOODS, "product_id": goods["product_id"],
             "product_name": goods["product_name"], "unit": goods["unit"], "quantity": goods["quantity"],
             "levy_satang": levy}]


def recipient_fund(agreement, order, home_fund_of):
    if agreement.recipient == "fund":
        return agreement.fund_id
    org = order["buyer_org_id"] if agreement.recipient == "buyer_home_fund" else order["seller_org_id"]
    return home_fund_of(org)


def versions_in_force(agreements, at):
    """Of every version of each agreement, the newest one in force at ``at`` (if any).

    A late order.paid is levied by the version in force when it was paid, not by a revision
    made since whose effective period starts later.
    """
    chosen = {}
    for agreement in agreements:
        if agreement.in_force(at) and agreement.version > getattr(chosen.get(agreement.id), "version", 0):
            chosen[agreement.id] = agreement
    return list(chosen.values())
