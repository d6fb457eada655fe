"""The routes report: levy and volume per route the goods took, origin → destination (pure domain logic).

A route is read at the province (ชัยภูมิ → ภูเก็ต) or the province-group level (Bangkok, in no
group, stands as itself). Per route:

- levy: what the credits of the route still hold for funds, pending and posted (a voided credit
  holds nothing; a refund's reversed levy is gone), in satang;
- volume: the trades on it — orders, shares, and each side of an exchange (whose two sides travel
  opposite routes) — and their units of goods, net of refunds; a trade levied by several agreements
  counts once, with the most units any of its credits covers (shipping lines are not units).

Only what funds knows is in it: trades no agreement levied are not. Credits frozen before routes were
told (order events before version 2) fall under an unknown route.
"""
import geothai

from chassis.geography import BANGKOK_PROVINCE_CODE, default_geography

BY = ("province", "group")
UNKNOWN_TH = "ไม่ทราบ"
BANGKOK = "bangkok"


def place_key(row, end, by):
    """The code of a route end at the ``by`` level: province code, group number (as text),
    ``bangkok``; None when the route is unknown."""
    province = row[f"{end}_province_code"]
    if province is None:
        return None
    if by == "province":
        return province
    group = row[f"{end}_province_group"]
    if group is None:
        return BANGKOK if province == BANGKOK_PROVINCE_CODE else None
    return str(group)


def place_name(code, by, geography=None):
    if code is None:
        return UNKNOWN_TH
    if by == "group" and code != BANGKOK:
        group = (geography or default_geography()).groups.get(int(code))
        return group.name_th if group else UNKNOWN_TH
    province = geothai.province(BANGKOK_PROVINCE_CODE if code == BANGKOK else code)
    return province.name_th if province else UNKNOWN_TH


def units(credit):
    """Units of goods the credit covers, net of refunds (0 once voided)."""
    if credit.status == "voided":
        return 0
    return sum(line["quantity"] - credit.refunded.get(line["line_no"], 0)
               for line in credit.lines if line.get("kind", "goods") == "goods")


def report(rows, by, trade_kind=None, geography=None):
    """``rows``: {"credit": funds.credits.Credit, "origin_province_code", "origin_province_group",
    "destination_province_code", "destination_province_group"}. The routes, most levy first."""
    if by not in BY:
        raise ValueError(f"unknown level {by!r}")
    routes = {}
    for row in rows:
        credit = row["credit"]
        key = (place_key(row, "origin", by), place_key(row, "destination", by))
        route = routes.setdefault(key, {"pending_satang": 0, "posted_satang": 0, "trades": {}})
        if credit.status in ("pending", "posted"):
            route[f"{credit.status}_satang"] += credit.outstanding
        trade = (credit.trade_kind, credit.order_id, credit.seller_org_id)
        route["trades"][trade] = max(route["trades"].get(trade, 0), units(credit))
    found = []
    for (origin, destination), route in routes.items():
        origin_th, destination_th = place_name(origin, by, geography), place_name(destination, by, geography)
        counted = [trade_units for trade_units in route["trades"].values() if trade_units > 0]
        found.append({
            "origin": {"code": origin, "name_th": origin_th},
            "destination": {"code": destination, "name_th": destination_th},
            "route_th": f"{origin_th} → {destination_th}",
            "pending_satang": route["pending_satang"], "posted_satang": route["posted_satang"],
            "orders": len(counted), "units": sum(counted),
        })
    found.sort(key=lambda r: (-(r["pending_satang"] + r["posted_satang"]), r["route_th"]))
    return {"by": by, "trade_kind": trade_kind, "routes": found}
