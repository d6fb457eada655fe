"""Where goods go: the delivery methods and the route (origin → destination, with provinces) that
every trade carries on its events, so that funds and people can read "ชัยภูมิ → ภูเก็ต".

Plain Python: places come from the same geography the registry validates with (chassis.geography).
"""
from chassis.errors import Unprocessable
from chassis.geography import default_geography
from contracts import marketplace as events
from contracts.common import Place

CARRIER, DISTRIBUTION_CENTRE, LOCAL_PICKUP = events.DELIVERY_METHODS
PLACE_FIELDS = tuple(Place().fields)


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
