"""Finding registered bodies by place, focus area and name; the coverage reports (plain Python)."""
from chassis.errors import InvalidInput
from chassis.thai import search_key

from chassis.geography import BANGKOK_PROVINCE_CODE

KINDS = ("centres", "organisations", "funds")
BANGKOK_NAME_TH = "กรุงเทพมหานคร"


def _provinces(geography, filters):
    """The province codes ``filters`` (region, province_group, province) leave, or None for all.

    Region and province group become province codes from the current data, so a corrected
    grouping applies to records registered before the correction.
    """
    province_codes = None

    def narrow(codes):
        nonlocal province_codes
        province_codes = set(codes) if province_codes is None else province_codes & set(codes)

    if "region" in filters:
        if filters["region"] not in geography.regions:
            raise InvalidInput({"region": [f"ต้องเป็นหนึ่งใน {', '.join(geography.regions)} (unknown region)"]})
        narrow(geography.provinces_of_region(filters["region"]))
    if "province_group" in filters:
        group = geography.groups.get(filters["province_group"])
        if group is None:
            raise InvalidInput({"province_group": [f"กลุ่มจังหวัดมี 1–{len(geography.groups)} (unknown group)"]})
        narrow(group.provinces)
    if "province" in filters:
        narrow([filters["province"]])
    return province_codes


def criteria(geography, filters):
    """Validated filters (schemas.ListQuery and its kin) → what the repositories search by."""
    province_codes = _provinces(geography, filters)
    found = {
        "province_codes": None if province_codes is None else sorted(province_codes),
        "name_key": search_key(filters["q"]) if filters.get("q") else None,
    }
    if "serves_group" in filters and filters["serves_group"] not in geography.groups:
        raise InvalidInput({"serves_group": [f"กลุ่มจังหวัดมี 1–{len(geography.groups)} (unknown group)"]})
    for name in ("district", "subdistrict", "focus_area", "kind", "centre_id", "serves_group", "status",
                 "organisation_id", "year_be", "focus", "contact_email", "limit", "offset"):
        found[name] = filters.get(name)
    return found


def _counts(counts_by_province, provinces):
    return {kind: sum(counts_by_province[kind].get(code, 0) for code in provinces) for kind in KINDS}


def coverage(geography, counts_by_province):
    """Centres, organisations and funds per province group and region, with Thai names.

    ``counts_by_province`` maps each kind in KINDS to {province code: count}.
    """
    centres = counts_by_province["centres"]
    regions = []
    for region in geography.regions.values():
        groups = [{
            "number": group.number, "name_th": group.name_th, "name_en": group.name_en,
            "provinces": len(group.provinces),
            "provinces_with_centre": sum(1 for code in group.provinces if centres.get(code)),
            **_counts(counts_by_province, group.provinces),
        } for group in geography.groups.values() if group.region == region.code]
        regions.append({
            "code": region.code, "name_th": region.name_th, "name_en": region.name_en,
            **_counts(counts_by_province, geography.provinces_of_region(region.code)),
            "groups": groups,
        })
    return {
        "regions": regions,
        "bangkok": {"province_code": BANGKOK_PROVINCE_CODE, "name_th": BANGKOK_NAME_TH,
                    "region": geography.bangkok_region,
                    **_counts(counts_by_province, [BANGKOK_PROVINCE_CODE])},
        "totals": {kind: sum(counts_by_province[kind].values()) for kind in KINDS},
        "note": "การจัดจังหวัดเข้าภาคเป็นข้อมูลชั่วคราว (region mapping is provisional)",
    }


# What each coverage figure counts: subdistricts with at least one of these
COVERAGE_FIGURES = {
    "with_plan": ("plans", None),                                  # a plan, whatever its status
    "with_incubation_centre": ("centres", "active"),
    "with_planned_incubation_centre": ("centres", "planned"),
    "with_distribution_centre": ("distribution_centres", "active"),
    "with_trade": ("trade", None),  # an organisation there sold, shared (gave) or exchanged on the marketplace
}
COVERAGE_LEVELS = ("subdistrict", "province", "province_group", "region")
NO_GROUP_NOTE = "กรุงเทพมหานครไม่อยู่ในกลุ่มจังหวัดใด (Bangkok is in no province group)"


def covered_subdistricts(facts):
    """{figure: set of subdistrict codes} from the repository's facts (adapters.CoverageFacts)."""
    return {figure: {code for code, status, count in facts[fact] if count and wanted in (None, status)}
            for figure, (fact, wanted) in COVERAGE_FIGURES.items()}


def _unit_of(level, geography, place):
    """(key, the unit's row without its figures) of ``place`` at ``level``; None if it has no such unit."""
    if level == "subdistrict":
        return place["subdistrict_code"], {"code": place["subdistrict_code"], "name_th": place["subdistrict_name_th"],
                                           "name_en": place["subdistrict_name_en"], "place": place,
                                           "province_group": place["province_group"], "region": place["region"]}
    if level == "province":
        return place["province_code"], {"code": place["province_code"], "name_th": place["province_name_th"],
                                        "name_en": place["province_name_en"],
                                        "province_group": place["province_group"], "region": place["region"]}
    if level == "province_group":
        group = geography.groups.get(place["province_group"])
        return None if group is None else (group.number, {
            "code": str(group.number), "name_th": group.name_th, "name_en": group.name_en,
            "province_group": group.number, "region": group.region})
    region = geography.regions.get(place["region"])
    return None if region is None else (region.code, {"code": region.code, "name_th": region.name_th,
                                                      "name_en": region.name_en, "region": region.code})


def coverage_report(geography, level, facts, filters):
    """Subdistricts with a plan, a centre, a distribution centre and trade, per unit of ``level``
    (COVERAGE_LEVELS), Thai names with codes; ``filters`` (region, province_group, province, limit,
    offset) narrow and page it.

    Every unit of the level within the filters is listed, with the number of its subdistricts;
    at the subdistrict level, only subdistricts with at least one figure.
    """
    if level not in COVERAGE_LEVELS:
        raise InvalidInput({"level": [f"ต้องเป็นหนึ่งใน {', '.join(COVERAGE_LEVELS)} (unknown level)"]})
    provinces = _provinces(geography, filters)
    covered = covered_subdistricts(facts)
    units = {}

    def unit(place):
        found = _unit_of(level, geography, place)
        if found is None:
            return None
        key, row = found
        return units.setdefault(key, {**row, "subdistricts": 0, **dict.fromkeys(COVERAGE_FIGURES, 0)})

    if level != "subdistrict":  # every unit, with the number of its subdistricts
        for province_code, count in geography.subdistricts_per_province().items():
            if provinces is None or province_code in provinces:
                row = unit(geography.province_place(province_code))
                if row is not None:
                    row["subdistricts"] += count
    for code in sorted(set().union(*covered.values())):
        place = geography.place(code)
        if place is None or (provinces is not None and place["province_code"] not in provinces):
            continue
        row = unit(place)
        if row is None:
            continue
        if level == "subdistrict":
            row["subdistricts"] = 1
        for figure, codes in covered.items():
            row[figure] += code in codes
    rows = [units[key] for key in sorted(units)]
    totals = {name: sum(row[name] for row in rows) for name in ("subdistricts", *COVERAGE_FIGURES)}
    offset, limit = filters.get("offset", 0), filters.get("limit", 100)
    return {"level": level, "items": rows[offset:offset + limit], "total": len(rows), "limit": limit,
            "offset": offset, "totals": totals,
            "note": NO_GROUP_NOTE if level == "province_group" else
            "การจัดจังหวัดเข้าภาคเป็นข้อมูลชั่วคราว (region mapping is provisional)"}
