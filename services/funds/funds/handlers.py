"""What the funds service does with each event and request (no I/O of its own)."""
import uuid

from chassis.errors import InvalidInput, NotFound
from contracts import funds as events

from funds import ledger
from funds.levy import Agreement, credits_for_paid_order


def fund_from_snapshot(snapshot):
    place = snapshot["place"]
    return {"id": snapshot["fund_id"], "name_th": snapshot["name_th"],
            "province_code": place["province_code"], "province_group": place["province_group"],
            "region": place["region"], "centre_id": snapshot["centre_id"], "place": place}


def organisation_from_snapshot(snapshot):
    return {"id": snapshot["organisation_id"], "name_th": snapshot["name_th"],
            "home_fund_id": snapshot["home_fund_id"], "place": snapshot["place"]}


def credit_paid_order(uow, event):
    """Freeze the levies of a paid order as pending credits, each with its own ledger transaction."""
    order = event.data
    agreements = uow.agreements.for_seller(order["seller_org_id"])
    owed = credits_for_paid_order(agreements, order, uow.organisations.home_fund_of)
    credited = []
    for agreement, fund_id, lines, amount in owed:
        credit = {
            "id": uuid.uuid4(), "order_id": order["order_id"], "fund_id": fund_id,
            "agreement_id": agreement.id, "agreement_version": agreement.version,
            "seller_org_id": order["seller_org_id"], "buyer_org_id": order["buyer_org_id"],
            "amount_satang": amount, "lines": lines, "status": "pending",
            "source_event_id": event.event_id,
        }
        if not uow.credits.add(credit):
            continue  # this order's levy for this fund was already frozen
        legs = ledger.pending_credit_legs(fund_id, amount)
        ledger.assert_balanced(legs)
        uow.ledger.record("levy_pending", credit["id"], event.event_id, legs, fund_id=fund_id)
        fund = uow.funds.get(fund_id)
        uow.emit(events.LEVY_PENDING, {
            "credit_id": credit["id"], "fund_id": fund_id,
            "fund_name_th": fund["name_th"] if fund else "",
            "order_id": order["order_id"], "seller_org_id": order["seller_org_id"],
            "buyer_org_id": order["buyer_org_id"], "agreement_id": agreement.id,
            "agreement_version": agreement.version, "amount_satang": amount, "lines": lines,
            "balance": uow.ledger.balance(fund_id),
            "officer_ids": uow.officers.ids_of_fund(fund_id),
        })
        credited.append(credit)
    return credited


def create_agreement(uow, command):
    if command["recipient"] == "fund":
        if not command.get("fund_id"):
            raise InvalidInput({"fund_id": ["ต้องระบุกองทุน (required when recipient is fund)"]})
        if uow.funds.get(command["fund_id"]) is None:
            raise InvalidInput({"fund_id": ["ไม่พบกองทุนในทะเบียน (fund not in the registry)"]})
    agreement = Agreement(
        id=uuid.uuid4(), version=1, seller_org_id=command["seller_org_id"],
        basis=command["basis"], rate=command["rate"], recipient=command["recipient"],
        fund_id=command.get("fund_id"), category=command.get("category"),
        product_ids=tuple(command["product_ids"]) if command.get("product_ids") else None,
        effective_from=command["effective_from"], effective_to=command.get("effective_to"))
    uow.agreements.add(agreement)
    return agreement


def register_officer(uow, fund_id, command):
    if uow.funds.get(fund_id) is None:
        raise NotFound("ไม่พบกองทุน (fund not found)")
    officer = {"officer_id": uuid.uuid4(), "fund_id": fund_id, "active": True, "language": "th",
               **command}
    officer.setdefault("preferences", {"per_credit": True, "daily_digest_at": None,
                                       "monthly_statement": True})
    uow.officers.add(officer)
    uow.emit(events.OFFICER_REGISTERED, officer)
    return officer


def fund_view(uow, fund_id):
    fund = uow.funds.get(fund_id)
    if fund is None:
        raise NotFound("ไม่พบกองทุน (fund not found)")
    return {**fund, "balance": uow.ledger.balance(fund_id)}
