"""Exchanges (การแลกเปลี่ยน): goods for goods between two organisations; no money moves.

Domain logic with no I/O of its own. An organisation (the offerer) offers a quantity of its own
listing for a quantity of another organisation's exchange listing (``offered``); both quantities are
reserved from their listings' stock from the offer on, so that an accepted exchange always has its
goods. The listing's owner accepts (``accepted``) or declines (``declined``); the offerer may withdraw
(``withdrawn``) until it is accepted; a declined or withdrawn offer gives both quantities back. Once
accepted, each side ships its leg (owner → offerer, offerer → owner) and the other side confirms its
receipt; when both legs are received the exchange is ``completed``. Every change records its event
(the last receipt two: the leg received and the exchange completed), each leg with its route between
the two organisations' registered places; an illegal step raises Conflict and records nothing.
"""
import uuid
from dataclasses import dataclass, field

from chassis.errors import Conflict, Forbidden, InvalidInput, NotFound, Unprocessable
from contracts import marketplace as events

from marketplace import delivery
from marketplace.catalogue import EXCHANGE
from marketplace.sharing import listing_of_kind, release, reserve, trade_goods

OFFERED, ACCEPTED, DECLINED, WITHDRAWN, COMPLETED = events.EXCHANGE_STATUSES
OWNER, OFFERER = events.EXCHANGE_SIDES
RELEASED = (DECLINED, WITHDRAWN)
OTHER_SIDE = {OWNER: OFFERER, OFFERER: OWNER}


@dataclass
class Exchange:
    id: uuid.UUID
    owner_org_id: uuid.UUID
    offerer_org_id: uuid.UUID
    owner_leg: dict     # contracts.marketplace.ExchangeLeg: the listing's goods, owner → offerer
    offerer_leg: dict   # the offered goods, offerer → owner
    offered_at: object
    status: str = OFFERED
    events: list = field(default_factory=list, repr=False)

    def leg(self, side):
        return self.owner_leg if side == OWNER else self.offerer_leg

    @property
    def goods(self):
        return [self.owner_leg["goods"], self.offerer_leg["goods"]]

    def event_data(self):
        return {"exchange_id": self.id, "owner_org_id": self.owner_org_id,
                "offerer_org_id": self.offerer_org_id, "owner_leg": self.owner_leg,
                "offerer_leg": self.offerer_leg, "status": self.status}

    def _require(self, allowed, action_th, action_en):
        if self.status not in allowed:
            raise Conflict(f"{action_th}ไม่ได้ในสถานะ {self.status} (the exchange cannot be {action_en} "
                           f"in its current state)", status=self.status)

    def _record(self, status, event_type):
        self.status = status
        self.events.append((event_type, self.event_data()))

    def accept(self):
        self._require((OFFERED,), "ตอบรับ", "accepted")
        self._record(ACCEPTED, events.EXCHANGE_ACCEPTED)

    def decline(self):
        self._require((OFFERED,), "ปฏิเสธ", "declined")
        self._record(DECLINED, events.EXCHANGE_DECLINED)

    def withdraw(self):
        self._require((OFFERED,), "ถอนข้อเสนอ", "withdrawn")
        self._record(WITHDRAWN, events.EXCHANGE_WITHDRAWN)

    def _leg_step(self, side, ready, action_th, action_en):
        self._require((ACCEPTED,), action_th, action_en)
        if not ready(self.leg(side)):
            raise Conflict(f"{action_th}ไม่ได้: สินค้าฝั่ง {side} ไม่อยู่ในขั้นนี้ "
                           f"(the {side}'s goods cannot be {action_en} now)", status=self.status, side=side)

    def ship(self, side, shipment):
        """``side`` sent its goods to the other side."""
        self._leg_step(side, lambda leg: leg["shipment"] is None, "จัดส่ง", "shipped")
        self.leg(side)["shipment"] = shipment
        self.events.append((events.EXCHANGE_SHIPPED, {**self.event_data(), "side": side}))

    def receive(self, side, receipt):
        """``side``'s goods arrived at the other side; with both legs received, it is completed."""
        self._leg_step(side, lambda leg: leg["shipment"] is not None and leg["receipt"] is None,
                       "ยืนยันการรับ", "received")
        self.leg(side)["receipt"] = receipt
        self.events.append((events.EXCHANGE_RECEIVED, {**self.event_data(), "side": side}))
        if all(self.leg(either)["receipt"] is not None for either in events.EXCHANGE_SIDES):
            self._record(COMPLETED, events.EXCHANGE_COMPLETED)


def side_of(principal, exchange, side=None):
    """The side the principal acts for: an organisation's own; an operator names it."""
    if principal.is_operator:
        if side is None:
            raise InvalidInput({"side": ["เจ้าหน้าที่ต้องระบุฝั่ง owner หรือ offerer "
                                         "(an operator names the side: owner or offerer)"]})
        return side
    own = {exchange.owner_org_id: OWNER, exchange.offerer_org_id: OFFERER}.get(principal.subject_id)
    if own is None:
        raise Forbidden("ไม่ใช่การแลกเปลี่ยนขององค์กรนี้ (not a party to this exchange)")
    return own


def require_party(principal, exchange):
    side_of(principal, exchange, side=OWNER)


ONLY = {OWNER: "เจ้าของรายการหรือเจ้าหน้าที่เท่านั้น (only the listing's owner or an operator)",
        OFFERER: "ผู้เสนอหรือเจ้าหน้าที่เท่านั้น (only the offerer or an operator)"}


def require(principal, exchange, side):
    if not principal.is_operator and side_of(principal, exchange) != side:
        raise Forbidden(ONLY[side])


def leg(sellers, from_org_id, to_org_id, goods):
    """contracts.marketplace.ExchangeLeg of goods sent by a carrier between two registered places."""
    recipient = sellers.get(to_org_id)
    return {"from_org_id": from_org_id, "goods": goods,
            "route": delivery.route(sellers.place(from_org_id), recipient["place"], delivery.CARRIER,
                                    name_th=recipient["name_th"]),
            "shipment": None, "receipt": None}


def offer_exchange(uow, principal, command, now):
    """The token's organisation offers ``offered_quantity`` of its own listing
    ``offered_listing_id`` for ``quantity`` of the exchange listing ``listing_id``."""
    principal.require("organisation")
    listing = listing_of_kind(uow, command["listing_id"], EXCHANGE, "รายการแลกเปลี่ยน")
    offerer_org_id = principal.subject_id
    if listing["seller_org_id"] == offerer_org_id:
        raise Unprocessable("แลกกับรายการของตนเองไม่ได้ (an organisation cannot exchange with itself)")
    offered = uow.products.get(command["offered_listing_id"])
    if offered is None or not offered["active"]:
        raise Unprocessable("ไม่พบสินค้าที่เสนอหรือสินค้าไม่เปิดอยู่ (the offered listing is not found or "
                            "inactive)", offered_listing_id=str(command["offered_listing_id"]))
    if offered["seller_org_id"] != offerer_org_id:
        raise Forbidden("เสนอแลกได้เฉพาะสินค้าขององค์กรตน (an organisation offers only its own goods)")
    wanted, given = trade_goods(listing, command["quantity"]), trade_goods(offered, command["offered_quantity"])
    reserve(uow, [wanted, given])
    owner_org_id = listing["seller_org_id"]
    exchange = Exchange(uuid.uuid4(), owner_org_id, offerer_org_id,
                        leg(uow.sellers, owner_org_id, offerer_org_id, wanted),
                        leg(uow.sellers, offerer_org_id, owner_org_id, given), offered_at=now)
    exchange.events.append((events.EXCHANGE_OFFERED, exchange.event_data()))
    uow.exchanges.add(exchange)
    stage(uow, exchange)
    return exchange


def get_exchange(uow, principal, exchange_id, for_update=False):
    exchange = uow.exchanges.get(exchange_id, for_update=for_update)
    if exchange is None:
        raise NotFound("ไม่พบการแลกเปลี่ยน (exchange not found)")
    require_party(principal, exchange)
    return exchange


def list_exchanges(uow, principal, query):
    """A page of exchanges; an organisation only ever sees those it owns or offered."""
    principal.require("organisation", "operator")
    party = None if principal.is_operator else principal.subject_id
    return uow.exchanges.find(party, query.get("after"), query["limit"], status=query.get("status"))


def stage(uow, exchange):
    for event_type, data in exchange.events:
        uow.emit(event_type, data)
    exchange.events.clear()


def save(uow, exchange):
    uow.exchanges.save(exchange)
    stage(uow, exchange)


def _decide(uow, principal, exchange_id, side, step):
    exchange = get_exchange(uow, principal, exchange_id, for_update=True)
    require(principal, exchange, side)
    step(exchange)
    if exchange.status in RELEASED:
        release(uow, exchange.goods)
    save(uow, exchange)
    return exchange


def accept_exchange(uow, principal, exchange_id):
    return _decide(uow, principal, exchange_id, OWNER, Exchange.accept)


def decline_exchange(uow, principal, exchange_id):
    return _decide(uow, principal, exchange_id, OWNER, Exchange.decline)


def withdraw_exchange(uow, principal, exchange_id):
    return _decide(uow, principal, exchange_id, OFFERER, Exchange.withdraw)


def ship_exchange_leg(uow, principal, exchange_id, command, now):
    """The principal's side (an operator names it) shipped its goods."""
    exchange = get_exchange(uow, principal, exchange_id, for_update=True)
    side = side_of(principal, exchange, command.get("side"))
    exchange.ship(side, {"carrier": command.get("carrier"), "tracking_number": command.get("tracking_number"),
                         "shipped_at": now})
    save(uow, exchange)
    return exchange


def confirm_exchange_receipt(uow, principal, exchange_id, command, now):
    """The principal's side says the other side's goods arrived (an operator names the side whose
    goods arrived); never the word of the side that sent them."""
    exchange = get_exchange(uow, principal, exchange_id, for_update=True)
    if principal.is_operator:
        sent_by, confirmed_by = side_of(principal, exchange, command.get("side")), "operator"
    else:
        sent_by, confirmed_by = OTHER_SIDE[side_of(principal, exchange)], "buyer"
        if command.get("side") not in (None, sent_by):
            raise Forbidden("ยืนยันการรับสินค้าของตนเองไม่ได้ ฝั่งที่รับเป็นผู้ยืนยัน "
                            "(a side never confirms receipt of its own goods: the receiving side does)")
    exchange.receive(sent_by, {"confirmed_by": confirmed_by, "received_at": now})
    save(uow, exchange)
    return exchange
