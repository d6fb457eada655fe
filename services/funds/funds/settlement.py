"""What happens to a frozen levy credit (``funds.credits.Credit``) after payment (pure domain logic).

A credit is frozen at payment as *pending*. The order's later outcomes settle it:

- delivered: the pending remainder is *posted* (the fund may now count on it);
- cancelled or expired while still pending: the pending remainder is *voided*;
- refunded (part or all of some lines): the levy of the refunded quantities is *reversed*,
  in whichever phase the credit holds it (pending, or posted once delivered).

Rules that keep every path to the same end:

- Refunds are cumulative per line and capped at the line's quantity. The levy reversed for a
  line is ``round_half_up(levy × refunded / quantity)`` of the *cumulative* refunded quantity,
  minus what earlier refunds already reversed: two refunds of half a line reverse exactly what
  one refund of the whole line does, and a full refund reverses the whole levy, never more.
- A voided credit ignores every later outcome; a posted credit ignores cancellation (the
  marketplace cancels only before shipment; money returned after delivery is a refund).
- A fund's balance never goes negative. A reversal of posted levy takes from the fund at most
  what the fund holds posted; any shortfall (possible once funds pay out) is booked to the
  fund's receivable account ``fund-receivable:<id>``, i.e. what the fund owes back to the
  network, instead of overdrawing the fund.
"""
from dataclasses import dataclass, field, replace

from funds.credits import Credit, reversed_levy
from funds.ledger import (CLEARING, assert_balanced, fund_account, move_legs, receivable_account)

DELIVERED, CANCELLED, EXPIRED, REFUNDED = "delivered", "cancelled", "expired", "refunded"
OUTCOMES = (DELIVERED, CANCELLED, EXPIRED, REFUNDED)

# Ledger transaction kinds (and the credit's status after them).
POSTED, VOIDED, REVERSED = "levy_posted", "levy_voided", "levy_reversed"


@dataclass(frozen=True)
class Outcome:
    """One thing that happened to an order after payment, keyed by the event that told us."""

    kind: str
    source_event_id: object
    refund_id: object = None
    refunded_lines: tuple = ()      # ((line_no, quantity), …) for a refund


@dataclass(frozen=True)
class Effect:
    """The ledger transaction an outcome causes, and the credit after it."""

    kind: str
    credit: Credit
    legs: list
    amount: int
    lines: list = field(default_factory=list)       # for a reversal: the reversed share per line
    shortfall: int = 0


def settle(credit, outcome, fund_posted_satang):
    """The effect of ``outcome`` on ``credit``, or None when it changes nothing.

    ``fund_posted_satang`` is what the fund holds posted now: a posted reversal never takes more.
    """
    if credit.status == "voided":
        return None
    if outcome.kind == DELIVERED:
        return _post(credit) if credit.status == "pending" else None
    if outcome.kind in (CANCELLED, EXPIRED):
        return _void(credit) if credit.status == "pending" else None
    if outcome.kind == REFUNDED:
        return _reverse(credit, outcome.refunded_lines, fund_posted_satang)
    raise ValueError(f"unknown outcome {outcome.kind!r}")


def _post(credit):
    amount = credit.outstanding
    legs = (move_legs(fund_account(credit.fund_id), "pending", "posted", amount)
            + move_legs(CLEARING, "pending", "posted", -amount))
    return _effect(POSTED, replace(credit, status="posted"), legs, amount)


def _void(credit):
    amount = credit.outstanding
    legs = [(fund_account(credit.fund_id), "pending", -amount), (CLEARING, "pending", amount)]
    return _effect(VOIDED, replace(credit, status="voided"), legs, amount)


def _reverse(credit, refunded_lines, fund_posted_satang):
    refunded = dict(credit.refunded)
    by_line = {line["line_no"]: line for line in credit.lines}
    reversed_lines = []
    for line_no, quantity in refunded_lines:
        line = by_line.get(line_no)
        if line is None:
            continue  # a line this agreement levied nothing on
        before = refunded.get(line_no, 0)
        after = min(line["quantity"], before + quantity)
        share = reversed_levy(line, after) - reversed_levy(line, before)
        refunded[line_no] = after
        if after > before:
            reversed_lines.append({**line, "quantity": after - before, "levy_satang": share})
    amount = sum(line["levy_satang"] for line in reversed_lines)
    if amount == 0:
        return None
    phase = credit.status
    taken = amount if phase == "pending" else min(amount, max(fund_posted_satang, 0))
    shortfall = amount - taken
    legs = [(fund_account(credit.fund_id), phase, -taken), (CLEARING, phase, amount)]
    if shortfall:
        legs.append((receivable_account(credit.fund_id), phase, -shortfall))
    return _effect(REVERSED, replace(credit, refunded=refunded), legs, amount,
                   lines=reversed_lines, shortfall=shortfall)


def _effect(kind, credit, legs, amount, **details):
    legs = [leg for leg in legs if leg[2] != 0]
    assert_balanced(legs)
    return Effect(kind, credit, legs, amount, **details)
