"""Hand-made parts of events for tests and tools: real places and routes between them.

An event told by hand must satisfy its contract as the marketplace's own would, so its places come
from the same geography (chassis.geography), never from literals.
"""
from contracts.common import Place

from chassis.geography import default_geography

PLACE_FIELDS = tuple(Place().fields)


def place(subdistrict_code):
    """The contract Place of a real subdistrict (e.g. "360101" ในเมืองชัยภูมิ, "830101" ตลาดใหญ่ ภูเก็ต)."""
    found = default_geography().place(subdistrict_code)
    if found is None:
        raise ValueError(f"no such subdistrict: {subdistrict_code}")
    return {name: found.get(name) for name in PLACE_FIELDS}


def route(origin="360101", destination="830101", method="carrier", name_th=None,
          distribution_centre_id=None):
    """A route from Chaiyaphum to Phuket unless told otherwise."""
    return {"origin": place(origin),
            "destination": {**place(destination), "method": method, "name_th": name_th,
                            "distribution_centre_id": distribution_centre_id}}
