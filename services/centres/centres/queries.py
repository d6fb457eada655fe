"""Finding registered bodies by place, focus area and name; the coverage report (plain Python)."""
from chassis.errors import InvalidInput
from chassis.thai import search_key

from centres.geography import BANGKOK_PROVINCE_CODE

KINDS = ("centres", "organisations", "funds")
BANGKOK_NAME_TH = "กรุงเทพมหานคร"


def criteria(geography, filters):
    """Validated filters (schemas.ListQuery) → what the repositories search by.

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
    found = {
        "province_codes": None if province_codes is None else sorted(province_codes),
        "name_key": search_key(filters["q"]) if filters.get("q") else None,
    }
    for name in ("district", "subdistrict", "focus_area", "kind", "centre_id", "limit", "offset"):
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
