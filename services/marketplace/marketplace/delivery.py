"""Where goods go: the delivery methods and the route (origin → destination, with provinces) that
every trade carries on its events, so that funds and people can read "ชัยภูมิ → ภูเก็ต"; each
seller's delivery options; the distribution centres' read model; the postal service's tracking
numbers.

Plain Python: places come from the same geography the registry validates with (chassis.geography).
"""
import re

from tracking_numbers import get_definition

from chassis.errors import Forbidden, InvalidInput, NotFound, Unprocessable
from chassis.geography import default_geography
from contracts import marketplace as events
from contracts.common import Place

CARRIER, DISTRIBUTION_CENTRE, LOCAL_PICKUP = events.DELIVERY_METHODS
PLACE_FIELDS = tuple(Place().fields)
SHIPPING_NAME, SHIPPING_CATEGORY, SHIPPING_UNIT = "ค่าจัดส่ง", "shipping", "ครั้ง"
# What a seller that never said offers: shipping by a carrier at no fee, and pickup at its place.
DEFAULT_OPTIONS = {"carrier": {"fee_satang": 0}, "distribution_centre_ids": [], "local_pickup": True}
DEFAULT_DELIVERY = {"method": CARRIER}
DISTRIBUTION_CENTRE_FIELDS = ("id", "name_th", "name_en", "place", "address", "opening_hours",
                              "time_zone", "contact", "serves_groups", "status")
POSTAL_CARRIER = "thailand_post"
S10_SHAPE = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")
S10 = get_definition("S10")  # tracking-numbers: the check digit, service indicator and country


def as_place(place):
    """The contract's Place of a place as the geography or the registry gives it."""
    return {name: place.get(name) for name in PLACE_FIELDS}


def place_of(subdistrict_code):
    place = default_geography().place(subdistrict_code)
    if place is None:
        raise Unprocessable(f"ไม่พบรหัสตำบล {subdistrict_code} (no such subdistrict)")
    return as_place(place)


def route(origin, destination, method=CARRIER, name_th=None, distribution_centre_id=None):
    """From ``origin`` (the seller's or giver's place) to ``destination``: the delivery
    subdistrict by a carrier, the pickup centre, or the seller's own place for local pickup."""
    return {"origin": as_place(origin),
            "destination": {**as_place(destination), "method": method, "name_th": name_th,
                            "distribution_centre_id": distribution_centre_id}}


# -- tracking numbers ------------------------------------------------------------------

def tracking_number_problem(carrier, number):
    """Why the tracking number cannot be the carrier's (Thai first), or None. A number of the
    postal service in the UPU S10 shape (2 letters, 8 digits, a check digit, a 2-letter country)
    must be a true S10 number; other shapes and carriers keep the general rule."""
    if carrier != POSTAL_CARRIER or not S10_SHAPE.fullmatch(number.upper()):
        return None
    found = S10.test(number.upper())
    if found is None or not found.valid:
        return ("เลขพัสดุไปรษณีย์ไทยไม่ถูกต้อง ตรวจหลักตรวจสอบ ประเภทบริการ และรหัสประเทศ "
                "(not a valid UPU S10 number: check digit, service indicator or country code)")
    return None


# -- distribution centres (the registry's, as its events told them) ---------------------

def distribution_centre_from_event(snapshot):
    return {"id": snapshot["distribution_centre_id"],
            **{name: snapshot.get(name) for name in DISTRIBUTION_CENTRE_FIELDS if name != "id"},
            "demo": snapshot.get("demo", False)}


def list_distribution_centres(uow):
    """The centres goods can be picked up at or are about to open (closed ones are left out)."""
    return [centre for centre in uow.distribution_centres.all() if centre["status"] != "closed"]


# -- a seller's delivery options -----------------------------------------------------------

def options_view(seller_org_id, options):
    return {"seller_org_id": seller_org_id, **options}


def get_delivery_options(uow, seller_org_id):
    """Public: what a buyer may choose from (the defaults when the seller never said)."""
    if not uow.sellers.exists(seller_org_id):
        raise NotFound("ไม่พบผู้ขายนี้ในทะเบียน (no such seller in the registry)")
    return options_view(seller_org_id, uow.delivery_options.get(seller_org_id) or DEFAULT_OPTIONS)


def set_delivery_options(uow, principal, seller_org_id, command):
    """The seller itself or an operator; every centre named must be known and not closed."""
    principal.require("organisation", "operator")
    if not principal.is_operator and principal.subject_id != seller_org_id:
        raise Forbidden("ผู้ขายหรือเจ้าหน้าที่เท่านั้น (only the seller itself or an operator)")
    if not uow.sellers.exists(seller_org_id):
        raise NotFound("ไม่พบผู้ขายนี้ในทะเบียน (no such seller in the registry)")
    wanted = command["distribution_centre_ids"]
    if len(set(wanted)) != len(wanted):
        raise InvalidInput({"distribution_centre_ids": ["ศูนย์กระจายสินค้าซ้ำกัน (a centre appears twice)"]})
    known = uow.distribution_centres.get_many(wanted)
    unusable = [str(centre_id) for centre_id in wanted
                if centre_id not in known or known[centre_id]["status"] == "closed"]
    if unusable:
        raise Unprocessable("ไม่พบศูนย์กระจายสินค้าหรือศูนย์ปิดแล้ว (no such distribution centre, or it "
                            "is closed)", distribution_centre_ids=unusable)
    options = {"carrier": command["carrier"], "distribution_centre_ids": wanted,
               "local_pickup": command["local_pickup"]}
    uow.delivery_options.put(seller_org_id, options)
    return options_view(seller_org_id, options)


NOT_OFFERED = "ผู้ขายไม่มีวิธีจัดส่งนี้ (the seller does not offer this delivery option)"


def arrange(uow, seller_org_id, delivery, ship_to):
    """(route, shipping fee in satang) of an order: ``delivery`` is the buyer's choice
    (contracts' method, and the centre for a pickup there), ``ship_to`` the buyer's address.
    An option the seller does not offer is refused (422)."""
    options = uow.delivery_options.get(seller_org_id) or DEFAULT_OPTIONS
    origin = uow.sellers.place(seller_org_id)
    method = delivery["method"]
    if method == CARRIER:
        if options["carrier"] is None:
            raise Unprocessable(NOT_OFFERED, method=method)
        return (route(origin, place_of(ship_to["subdistrict_code"]), CARRIER, name_th=ship_to["name"]),
                options["carrier"]["fee_satang"])
    if method == LOCAL_PICKUP:
        if not options["local_pickup"]:
            raise Unprocessable(NOT_OFFERED, method=method)
        return route(origin, origin, LOCAL_PICKUP, name_th=ship_to["name"]), 0
    centre_id = delivery.get("distribution_centre_id")
    if centre_id is None:
        raise InvalidInput({"delivery": {"distribution_centre_id": [
            "รับที่ศูนย์กระจายสินค้าต้องระบุศูนย์ (a pickup at a distribution centre names the centre)"]}})
    centre = uow.distribution_centres.get_many([centre_id]).get(centre_id)
    if centre_id not in options["distribution_centre_ids"] or centre is None or centre["status"] != "active":
        raise Unprocessable(NOT_OFFERED, method=method, distribution_centre_id=str(centre_id))
    return route(origin, centre["place"], DISTRIBUTION_CENTRE, name_th=centre["name_th"],
                 distribution_centre_id=centre_id), 0
