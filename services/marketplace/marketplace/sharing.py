"""Shares (การแบ่งปัน): a giver's surplus, asked for by other organisations; no money moves.

Domain logic with no I/O of its own. A receiver asks for a quantity of a share listing
(``requested``), which is reserved from the listing's stock as a sale's is; the giver approves
(``approved``) or declines (``declined``); the receiver may withdraw (``withdrawn``) until the goods
are shipped; the giver ships them (``shipped``, with a carrier and its tracking number, or ready for
pickup) and the receiver confirms they arrived (``received``). A declined or withdrawn request gives
its quantity back to the listing. Every change records exactly one event, carrying the route from
the giver's subdistrict to the receiver's; an illegal step raises Conflict and records nothing.
Operators may take any party's step, as with orders.
"""
import uuid
from dataclasses import dataclass, field

from chassis.errors import Conflict, Forbidden, NotFound, Unprocessable
from contracts import marketplace as events

from marketplace import delivery
from marketplace.catalogue import SHARE

REQUESTED, APPROVED, DECLINED, WITHDRAWN, SHIPPED, RECEIVED = events.SHARE_STATUSES
RELEASED = (DECLINED, WITHDRAWN)  # the statuses whose quantity went back to the listing


def trade_goods(product, quantity):
    """contracts.marketplace.TradeGoods: the listing's goods as they are now, frozen."""
    return {"product_id": product["id"], "product_name": product["name_th"], "category": product["category"],
            "unit": product["unit"], "quantity": quantity}


def listing_of_kind(uow, listing_id, kind, kind_th):
    """The active listing ``listing_id`` of ``kind``; 422 for any other (a sale is ordered)."""
    listing = uow.products.get(listing_id)
    if listing is None or not listing["active"]:
        raise Unprocessable("ไม่พบรายการหรือรายการไม่เปิดอยู่ (listing not found or inactive)",
                            listing_id=str(listing_id))
    if listing["listing_kind"] != kind:
        raise Unprocessable(f"รายการนี้ไม่ใช่{kind_th} เป็นรายการประเภท {listing['listing_kind']} "
                            f"(this listing is not a {kind} listing but a {listing['listing_kind']} one)",
                            listing_id=str(listing_id), listing_kind=listing["listing_kind"])
    return listing


def reserve(uow, goods_list):
    """Take each goods' quantity from its listing's stock, in product order (so that concurrent
    requests lock the same rows in the same order); 409 if one has not that much left."""
    for goods in sorted(goods_list, key=lambda goods: goods["product_id"]):
        if not uow.products.reserve(goods["product_id"], goods["quantity"]):
            raise Conflict(f"{goods['product_name']} มีไม่พอ (not enough stock)",
                           product_id=str(goods["product_id"]))


def release(uow, goods_list):
    for goods in sorted(goods_list, key=lambda goods: goods["product_id"]):
        uow.products.release(goods["product_id"], goods["quantity"])


@dataclass
class Share:
    id: uuid.UUID
    listing_id: uuid.UUID
    giver_org_id: uuid.UUID
    receiver_org_id: uuid.UUID
    goods: dict      # contracts.marketplace.TradeGoods
    ship_to: dict
    route: dict      # contracts.marketplace.Route: the giver's subdistrict → the receiver's
    requested_at: object
    status: str = REQUESTED
    shipment: dict = None  # contracts.marketplace.Shipment, once shipped
    receipt: dict = None   # contracts.marketplace.Receipt, once received
    events: list = field(default_factory=list, repr=False)

    @property
    def quantity(self):
        return self.goods["quantity"]

    def event_data(self):
        return {"share_id": self.id, "giver_org_id": self.giver_org_id,
                "receiver_org_id": self.receiver_org_id, "goods": self.goods, "route": self.route,
                "status": self.status, "shipment": self.shipment, "receipt": self.receipt}

    def _require(self, allowed, action_th, action_en):
        if self.status not in allowed:
            raise Conflict(f"{action_th}ไม่ได้ในสถานะ {self.status} (the share cannot be {action_en} "
                           f"in its current state)", status=self.status)

    def _record(self, status, event_type):
        self.status = status
        self.events.append((event_type, self.event_data()))

    def approve(self):
        self._require((REQUESTED,), "อนุมัติ", "approved")
        self._record(APPROVED, events.SHARE_APPROVED)

    def decline(self):
        self._require((REQUESTED,), "ปฏิเสธ", "declined")
        self._record(DECLINED, events.SHARE_DECLINED)

    def withdraw(self):
        """The receiver changed its mind: any time before the goods are shipped."""
        self._require((REQUESTED, APPROVED), "ถอนคำขอ", "withdrawn")
        self._record(WITHDRAWN, events.SHARE_WITHDRAWN)

    def ship(self, shipment):
        self._require((APPROVED,), "จัดส่ง", "shipped")
        self.shipment = shipment
        self._record(SHIPPED, events.SHARE_SHIPPED)

    def receive(self, receipt):
        self._require((SHIPPED,), "ยืนยันการรับ", "received")
        self.receipt = receipt
        self._record(RECEIVED, events.SHARE_RECEIVED)


def require_party(principal, share):
    if principal.is_operator or principal.subject_id in (share.giver_org_id, share.receiver_org_id):
        return
    raise Forbidden("ไม่ใช่การแบ่งปันขององค์กรนี้ (not a party to this share)")


def require_giver(principal, share):
    if not principal.is_operator and principal.subject_id != share.giver_org_id:
        raise Forbidden("ผู้ให้หรือเจ้าหน้าที่เท่านั้น (only the giver or an operator)")


def require_receiver(principal, share):
    if not principal.is_operator and principal.subject_id != share.receiver_org_id:
        raise Forbidden("ผู้ขอรับหรือเจ้าหน้าที่เท่านั้น (only the receiver or an operator)")


def request_share(uow, principal, command, now):
    """The token's organisation asks for ``quantity`` of a share listing, to be sent to ``ship_to``."""
    principal.require("organisation")
    listing = listing_of_kind(uow, command["listing_id"], SHARE, "ของแบ่งปัน")
    if listing["seller_org_id"] == principal.subject_id:
        raise Unprocessable("ขอรับของที่ตนแบ่งปันเองไม่ได้ (an organisation cannot ask for its own share)")
    goods = trade_goods(listing, command["quantity"])
    reserve(uow, [goods])
    ship_to = command["ship_to"]
    route = delivery.route(uow.sellers.place(listing["seller_org_id"]),
                           delivery.place_of(ship_to["subdistrict_code"]), delivery.CARRIER,
                           name_th=ship_to["name"])
    share = Share(uuid.uuid4(), listing["id"], listing["seller_org_id"], principal.subject_id, goods,
                  ship_to, route, requested_at=now)
    share.events.append((events.SHARE_REQUESTED, share.event_data()))
    uow.shares.add(share)
    stage(uow, share)
    return share


def get_share(uow, principal, share_id, for_update=False):
    share = uow.shares.get(share_id, for_update=for_update)
    if share is None:
        raise NotFound("ไม่พบการแบ่งปัน (share not found)")
    require_party(principal, share)
    return share


def list_shares(uow, principal, query):
    """A page of shares; an organisation only ever sees those it gives or receives."""
    principal.require("organisation", "operator")
    party = None if principal.is_operator else principal.subject_id
    return uow.shares.find(party, query.get("after"), query["limit"], status=query.get("status"))


def stage(uow, share):
    for event_type, data in share.events:
        uow.emit(event_type, data)
    share.events.clear()


def save(uow, share):
    """Persist the share and stage the one event its change recorded."""
    uow.shares.save(share)
    stage(uow, share)


def _giver_step(uow, principal, share_id, step):
    share = get_share(uow, principal, share_id, for_update=True)
    require_giver(principal, share)
    step(share)
    if share.status in RELEASED:
        release(uow, [share.goods])
    save(uow, share)
    return share


def approve_share(uow, principal, share_id):
    return _giver_step(uow, principal, share_id, Share.approve)


def decline_share(uow, principal, share_id):
    return _giver_step(uow, principal, share_id, Share.decline)


def ship_share(uow, principal, share_id, command, now):
    shipment = {"carrier": command.get("carrier"), "tracking_number": command.get("tracking_number"),
                "shipped_at": now}
    return _giver_step(uow, principal, share_id, lambda share: share.ship(shipment))


def withdraw_share(uow, principal, share_id):
    share = get_share(uow, principal, share_id, for_update=True)
    require_receiver(principal, share)
    share.withdraw()
    release(uow, [share.goods])
    save(uow, share)
    return share


def confirm_share_receipt(uow, principal, share_id, now):
    """The receiver says the goods arrived (an operator may say it for it); the contract's
    receipt names the receiving side "buyer", as an order's does."""
    share = get_share(uow, principal, share_id, for_update=True)
    require_receiver(principal, share)
    share.receive({"confirmed_by": "operator" if principal.is_operator else "buyer", "received_at": now})
    save(uow, share)
    return share
