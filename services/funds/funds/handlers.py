"""What the funds service does with each event and request (no I/O of its own).

``EVENT_HANDLERS`` (at the end) is the handler table, registered once: ``chassis.service`` makes one
consumer per entry, ``funds.reconciler`` replays lost events through it, and ``funds.bootstrap``
binds each handler's dependencies.
"""
import datetime as dt
import uuid
from dataclasses import replace
from functools import partial

from chassis.errors import Conflict, Forbidden, InvalidInput, NotFound
from contracts import centres, marketplace
from contracts import funds as events

from funds import ledger, routes, settlement, statements
from funds.credits import credits_for_paid_order, credits_for_trade, exchange_trades, share_trade
from funds.levy import GOODS, Agreement, refusals


def fund_from_snapshot(snapshot):
    place = snapshot["place"]
    return {"id": snapshot["fund_id"], "name_th": snapshot["name_th"],
            "province_code": place["province_code"], "province_group": place["province_group"],
            "region": place["region"], "centre_id": snapshot["centre_id"], "place": place}


def organisation_from_snapshot(snapshot):
    return {"id": snapshot["organisation_id"], "name_th": snapshot["name_th"],
            "home_fund_id": snapshot["home_fund_id"], "place": snapshot["place"]}


def upsert_organisation(uow, event):
    uow.organisations.upsert(organisation_from_snapshot(event.data))


def upsert_fund(uow, event):
    uow.funds.upsert(fund_from_snapshot(event.data))


def credit_paid_order(uow, event, count_credit):
    """Freeze the levies of a paid order as pending credits, each with its own ledger transaction,
    then apply whatever outcomes of the order arrived before its payment did. Each credit made is
    ``count_credit(credit, fund)`` once the unit of work has committed.

    Returns [(Credit, its fund's movement facts)] of the credits made now."""
    order = event.data
    uow.outcomes.lock_order(order["order_id"])
    agreements = uow.agreements.for_seller(order["seller_org_id"])
    owed = credits_for_paid_order(agreements, order, uow.organisations.home_fund_of)
    credited = _freeze(uow, event, owed, count_credit)
    if credited:
        new_ids = {credit.id for credit, _ in credited}
        for outcome in uow.outcomes.of_order(order["order_id"]):
            for credit in uow.credits.of_order(order["order_id"]):
                if credit.id in new_ids:
                    _settle(uow, credit, outcome)
    return credited


def _freeze(uow, event, owed, count_credit):
    """Book each owed credit (not booked yet) as pending, with its ledger transaction and levy.pending
    event; [(Credit, its fund's movement facts)] of those booked now."""
    credited = []
    for owed_credit in owed:
        credit = replace(owed_credit, id=uuid.uuid4())
        if not uow.credits.add(credit, event.event_id):
            continue  # this trade's levy for this fund was already frozen
        legs = ledger.pending_credit_legs(credit.fund_id, credit.amount_satang)
        ledger.assert_balanced(legs)
        transaction_id = uow.ledger.record("levy_pending", credit.id, event.event_id, legs,
                                           fund_id=credit.fund_id)
        fund = uow.funds.movement_facts(credit.fund_id)
        uow.emit(events.LEVY_PENDING, _movement(uow, credit, fund, credit.amount_satang, list(credit.lines),
                                                transaction_id))
        credited.append((credit, fund))
        uow.after_commit(partial(count_credit, credit, fund))
    return credited


def credit_received_trade(uow, event, count_credit):
    """A share received, or an exchange completed: its goods are received, so each levy its givers'
    agreements set on its kind of trade is credited pending and posted at once. A redelivery (or
    the same trade told again) books nothing more: credits are keyed by trade, fund and agreement.

    Returns [(Credit, its fund's movement facts)] of the credits made now."""
    trades = share_trade(event.data) if event.type is marketplace.SHARE_RECEIVED else exchange_trades(event.data)
    uow.outcomes.lock_order(trades[0]["order_id"])
    credited = []
    for trade in trades:
        owed = credits_for_trade(uow.agreements.for_seller(trade["seller_org_id"]), trade, event.occurred_at,
                                 uow.organisations.home_fund_of)
        credited += _freeze(uow, event, owed, count_credit)
    received = settlement.Outcome(kind=settlement.DELIVERED, source_event_id=event.event_id)
    for credit, _ in credited:
        _settle(uow, credit, received)
    return credited


ORDER_OUTCOMES = {
    marketplace.ORDER_DELIVERED: settlement.DELIVERED, marketplace.ORDER_CANCELLED: settlement.CANCELLED,
    marketplace.ORDER_EXPIRED: settlement.EXPIRED, marketplace.ORDER_REFUNDED: settlement.REFUNDED,
}


def outcome_of(event):
    """Only a refund outcome carries refunded lines. A cancellation after payment also tells of
    the money the marketplace gave back, but for the fund it voids the whole pending credit."""
    kind = ORDER_OUTCOMES[event.type]
    if kind != settlement.REFUNDED:
        return settlement.Outcome(kind=kind, source_event_id=event.event_id)
    return settlement.Outcome(
        kind=kind, source_event_id=event.event_id, refund_id=event.data["refund_id"],
        refunded_lines=tuple((line["line_no"], line["quantity"]) for line in event.data["refunded_lines"]))


def settle_order(uow, event):
    """Record an order's outcome and apply it to the order's credits (if any exist yet).

    Returns the effects applied; an outcome already recorded (same event, or the same refund
    told again under another event id) changes nothing.
    """
    order_id = event.data["order_id"]
    uow.outcomes.lock_order(order_id)
    outcome = outcome_of(event)
    if not uow.outcomes.record(order_id, outcome, event.occurred_at):
        return []
    applied = (_settle(uow, credit, outcome) for credit in uow.credits.of_order(order_id))
    return [effect for effect in applied if effect is not None]


SETTLEMENT_EVENTS = {settlement.POSTED: events.LEVY_POSTED, settlement.VOIDED: events.LEVY_VOIDED,
                     settlement.REVERSED: events.LEVY_REVERSED}


def _settle(uow, credit, outcome):
    """One credit's ledger transaction and event for one outcome, unless it changes nothing."""
    posted = uow.ledger.balance(credit.fund_id, lock=True)["posted_satang"]
    effect = settlement.settle(credit, outcome, posted)
    if effect is None:
        return None
    transaction_id = uow.ledger.record(effect.kind, credit.id, outcome.source_event_id, effect.legs,
                                       fund_id=credit.fund_id)
    if transaction_id is None:
        return None  # this event's effect on this credit is already in the ledger
    uow.credits.save_settlement(effect.credit)
    lines = effect.lines if effect.kind == settlement.REVERSED else list(credit.lines)
    movement = _movement(uow, credit, uow.funds.movement_facts(credit.fund_id), effect.amount, lines,
                         transaction_id)
    if effect.kind == settlement.REVERSED:
        movement.update(original_credit_id=credit.id, reversal_id=transaction_id,
                        refund_id=outcome.refund_id, phase=credit.status,
                        shortfall_satang=effect.shortfall)
    uow.emit(SETTLEMENT_EVENTS[effect.kind], movement)
    return effect


def _movement(uow, credit, fund, amount, lines, transaction_id):
    """The LevyMovement payload (version 2) of a credit's change; ``fund``: its movement facts after
    it. The parties are named from the organisations' read model (None while the registry has not
    told); lines frozen before line kinds existed are goods."""
    seller, buyer = uow.organisations.parties(credit.seller_org_id, credit.buyer_org_id)
    return {
        "credit_id": credit.id, "fund_id": credit.fund_id, "fund_name_th": fund["name_th"],
        "order_id": credit.order_id, "seller_org_id": credit.seller_org_id,
        "buyer_org_id": credit.buyer_org_id, "agreement_id": credit.agreement_id,
        "agreement_version": credit.agreement_version, "amount_satang": amount,
        "lines": [{"kind": GOODS, **line} for line in lines],
        "balance": fund["balance"], "officer_ids": fund["officer_ids"],
        "transaction_id": transaction_id, "trade_kind": credit.trade_kind,
        "seller": seller, "buyer": buyer, "route": credit.route,
    }


def create_agreement(uow, command):
    agreement = _agreement(uow, uuid.uuid4(), 1, command)
    uow.agreements.add(agreement)
    return agreement


def revise_agreement(uow, agreement_id, command):
    """A new version of an agreement: payments from now on use it; earlier credits keep theirs."""
    current = uow.agreements.latest(agreement_id)
    if current is None:
        raise NotFound("ไม่พบข้อตกลงเงินสมทบ (levy agreement not found)")
    if command["seller_org_id"] != current.seller_org_id:
        raise InvalidInput({"seller_org_id": ["เปลี่ยนผู้ขายของข้อตกลงไม่ได้ (the seller cannot change)"]})
    agreement = _agreement(uow, agreement_id, current.version + 1, command)
    uow.agreements.add(agreement)
    return agreement


def _agreement(uow, agreement_id, version, command):
    told = command.get("trade_kinds")
    trade_kinds = ("sale",) if told is None else tuple(told)
    refused = refusals(command["basis"], trade_kinds)
    if refused:
        raise InvalidInput(refused)
    if command["recipient"] == "fund":
        if not command.get("fund_id"):
            raise InvalidInput({"fund_id": ["ต้องระบุกองทุน (required when recipient is fund)"]})
        if uow.funds.get(command["fund_id"]) is None:
            raise InvalidInput({"fund_id": ["ไม่พบกองทุนในทะเบียน (fund not in the registry)"]})
    return Agreement(
        id=agreement_id, version=version, seller_org_id=command["seller_org_id"],
        basis=command["basis"], rate=command["rate"], recipient=command["recipient"],
        fund_id=command.get("fund_id"), category=command.get("category"),
        product_ids=tuple(command["product_ids"]) if command.get("product_ids") else None,
        effective_from=command["effective_from"], effective_to=command.get("effective_to"),
        levies_shipping=command.get("levies_shipping", False), trade_kinds=trade_kinds)


def register_officer(uow, fund_id, command):
    if uow.funds.get(fund_id) is None:
        raise NotFound("ไม่พบกองทุน (fund not found)")
    officer = {"officer_id": uuid.uuid4(), "fund_id": fund_id, "active": True, "language": "th",
               **command}
    officer.setdefault("preferences", dict(DEFAULT_PREFERENCES))
    uow.officers.add(officer)
    uow.emit(events.OFFICER_REGISTERED, officer)
    return officer


DEFAULT_PREFERENCES = {"per_credit": True, "daily_digest_at": None, "monthly_statement": True}
OFFICER_FIELDS = ("name", "email", "language")
EMAIL_TAKEN = "อีเมลนี้ลงทะเบียนกับกองทุนนี้แล้ว (the email is already registered for this fund)"


def officers_with_email(uow, email):
    """The active officers with ``email`` (any case), of every fund: whom a sign-in link may be for."""
    return {"officers": uow.officers.active_with_email(email)}


def _own_officer(uow, principal, officer_id, lock=False):
    """The officer, if ``principal`` is that officer or an operator."""
    if not principal.is_operator and principal.subject_id != officer_id:
        raise Forbidden("เจ้าหน้าที่ดูหรือแก้ไขได้เฉพาะข้อมูลของตน (officers see and change only their own record)")
    officer = uow.officers.get(officer_id, lock=lock)
    if officer is None:
        raise NotFound("ไม่พบเจ้าหน้าที่กองทุน (officer not found)")
    return officer


def officer_view(uow, principal, officer_id):
    return _own_officer(uow, principal, officer_id)


def changed_officer(officer, patch):
    """The officer with ``patch`` (a loaded OfficerPatch) applied: its own fields replaced, its
    preferences merged (those not told stay as they were)."""
    changed = {**officer, **{name: patch[name] for name in OFFICER_FIELDS if name in patch}}
    changed["preferences"] = {**DEFAULT_PREFERENCES, **(officer["preferences"] or {}),
                              **patch.get("preferences", {})}
    return changed


def change_officer(uow, principal, officer_id, patch):
    """Change an officer's own record and tell it again, in full, as officer.registered (so the
    notifications' copy follows); an email another officer of the fund has is a Conflict."""
    officer = _own_officer(uow, principal, officer_id, lock=True)
    changed = changed_officer(officer, patch)
    if "email" in patch and uow.officers.email_taken(officer["fund_id"], patch["email"], officer_id):
        raise Conflict(EMAIL_TAKEN)
    uow.officers.update(changed)
    uow.emit(events.OFFICER_REGISTERED, changed)
    return changed


def require_fund_access(uow, principal, fund_id):
    """The fund, if it exists and ``principal`` may see it: operators all, officers their own."""
    if principal.kind == "officer" and not uow.officers.serves(principal.subject_id, fund_id):
        raise Forbidden("เจ้าหน้าที่เห็นได้เฉพาะกองทุนของตน (officers see only their own funds)")
    fund = uow.funds.get(fund_id)
    if fund is None:
        raise NotFound("ไม่พบกองทุน (fund not found)")
    return fund


def fund_view(uow, principal, fund_id):
    fund = require_fund_access(uow, principal, fund_id)
    return {**fund, "balance": uow.ledger.balance(fund_id)}


def entries_page(uow, principal, fund_id, query):
    """One page of a fund's entries, newest first; ``next_cursor`` continues after the last."""
    require_fund_access(uow, principal, fund_id)
    limit = query["limit"]
    rows = uow.entries.page(fund_id, kind=query.get("kind"), phase=query.get("phase"),
                            order_id=query.get("order_id"), since=query.get("since"),
                            until=query.get("until"), before_id=query.get("cursor"), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"entries": rows, "next_cursor": str(rows[-1]["id"]) if more else None}


def monthly_statement(uow, principal, fund_id, month_text):
    return statement_of(uow, require_fund_access(uow, principal, fund_id), month_text)


def statement_of(uow, fund, month_text):
    fund_id = fund["id"]
    year, month, start, end = statements.month_bounds(month_text)
    opening = statements.totals(uow.entries.balance_before(fund_id, start))
    return statements.statement(fund, year, month, opening, uow.entries.between(fund_id, start, end))


def levy_by_month(uow, principal, fund_id, count, now):
    """A fund's levy credited and posted in each of the last ``count`` Bangkok months (up to the one
    ``now`` falls in), oldest first, months without levy included."""
    require_fund_access(uow, principal, fund_id)
    months = statements.recent_months(now, count)
    totals = uow.entries.levy_by_month(fund_id, dt.date(*months[0], 1), count)
    return statements.levy_by_month(fund_id, months, totals)


def issue_statement(uow, fund_id, month_text, now):
    """Issue the fund's statement of a closed month once: record it and, only if this is the first
    time, emit ``statement.issued`` in the same transaction. The payload, or None if already issued
    (or the fund is not registered)."""
    fund = uow.funds.get(fund_id)
    if fund is None or not uow.statements_issued.claim(fund_id, month_text, now):
        return None
    payload = statements.issued(statement_of(uow, fund, month_text))
    uow.emit(events.STATEMENT_ISSUED, payload)
    return payload


def rollup(uow, principal, by, trade_kind=None):
    """Levy held per region, province group or centre (of one kind of trade, if given); an officer's
    roll-up covers only their funds."""
    fund_ids = uow.officers.funds_of(principal.subject_id) if principal.kind == "officer" else None
    return {"by": by, "trade_kind": trade_kind, "groups": uow.rollups.levy_by(by, fund_ids, trade_kind)}


def routes_report(uow, principal, by, trade_kind=None):
    """Levy and volume per route (origin → destination province or province group); an officer's
    report covers only their funds."""
    fund_ids = uow.officers.funds_of(principal.subject_id) if principal.kind == "officer" else None
    return routes.report(uow.credits.for_routes(fund_ids, trade_kind), by, trade_kind)


EVENT_HANDLERS = {
    centres.ORGANISATION_REGISTERED: upsert_organisation,
    centres.ORGANISATION_UPDATED: upsert_organisation,
    centres.FUND_REGISTERED: upsert_fund,
    centres.FUND_UPDATED: upsert_fund,
    marketplace.ORDER_PAID: credit_paid_order,
    **{event_type: settle_order for event_type in ORDER_OUTCOMES},
    marketplace.SHARE_RECEIVED: credit_received_trade,
    marketplace.EXCHANGE_COMPLETED: credit_received_trade,
}
