"""Double-entry bookkeeping of levies (pure domain logic).

Each fund has an account ``fund:<id>``; the levy clearing account ``levy-clearing`` holds the
other side (what sellers' sales owe the funds). A pending credit moves value in the pending
phase; posting moves it to the posted phase. A reversal that would overdraw a fund books the
shortfall to ``fund-receivable:<id>`` instead (see ``funds.settlement``). Every transaction's
legs sum to zero, and the database refuses one that does not.

A fund's account (and its receivable) keeps a running total, so its balance is one row read. The
clearing account does not: every credit moves it, and a running total on one row would make each
credit wait for the one before to commit. Nobody reads its balance; it is the sum of its entries.
"""
CLEARING = "levy-clearing"
UNTOTALLED = frozenset({CLEARING})  # accounts whose balance is their entries' sum, not a stored total


def fund_account(fund_id):
    return f"fund:{fund_id}"


def receivable_account(fund_id):
    return f"fund-receivable:{fund_id}"


def move_legs(account, from_phase, to_phase, amount):
    """Move ``amount`` of one account from one phase to the other (two legs summing to zero)."""
    return [(account, from_phase, -amount), (account, to_phase, amount)]


def pending_credit_legs(fund_id, amount):
    return [(fund_account(fund_id), "pending", amount), (CLEARING, "pending", -amount)]


def assert_balanced(legs):
    if sum(amount for _, _, amount in legs) != 0:
        raise ValueError("legs of a ledger transaction must sum to zero")
