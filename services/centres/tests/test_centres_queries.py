"""List filters become province codes from the current data; the coverage report adds up."""
import pytest

from chassis.errors import InvalidInput
from chassis.thai import search_key
from centres import queries


def test_a_region_means_its_provinces_and_bangkok_only_where_configured(geography):
    north = queries.criteria(geography, {"region": "north"})["province_codes"]
    assert len(north) == 17 and "50" in north and "10" not in north
    assert "10" in queries.criteria(geography, {"region": "central_west"})["province_codes"]


def test_filters_narrow_each_other(geography):
    assert queries.criteria(geography, {"region": "south", "province_group": 17})["province_codes"] == \
        sorted(geography.groups[17].provinces)
    assert queries.criteria(geography, {"province_group": 17, "province": "91"})["province_codes"] == ["91"]
    assert queries.criteria(geography, {"region": "north", "province": "91"})["province_codes"] == []


def test_no_place_filter_means_everywhere_and_text_is_folded(geography):
    found = queries.criteria(geography, {"q": "บ้าน ปรางค์", "limit": 10, "offset": 0})
    assert found["province_codes"] is None
    assert found["name_key"] == search_key("บ้านปรางค์")


@pytest.mark.parametrize("filters, field", [({"region": "mars"}, "region"), ({"province_group": 19}, "province_group"),
                                            ({"province_group": 0}, "province_group")])
def test_unknown_regions_and_groups_are_refused(geography, filters, field):
    with pytest.raises(InvalidInput) as refused:
        queries.criteria(geography, filters)
    assert list(refused.value.fields) == [field]


def test_coverage_counts_per_group_and_region_with_thai_names(geography):
    counts = {"centres": {"30": 2, "91": 1, "10": 1},
              "organisations": {"30": 5, "36": 1, "10": 3},
              "funds": {"91": 1}}
    report = queries.coverage(geography, counts)
    regions = {region["code"]: region for region in report["regions"]}
    northeast = regions["northeast"]
    assert northeast["name_th"].startswith("ภาคตะวันออกเฉียงเหนือ")
    assert (northeast["centres"], northeast["organisations"], northeast["funds"]) == (2, 6, 0)
    group8 = next(group for group in northeast["groups"] if group["number"] == 8)
    assert group8["name_th"] == "ภาคตะวันออกเฉียงเหนือตอนล่าง 1"
    assert (group8["centres"], group8["organisations"], group8["provinces_with_centre"]) == (2, 6, 1)
    assert regions["central_west"]["centres"] == 1  # Bangkok, placed in central_west by the data
    assert report["bangkok"]["organisations"] == 3
    assert report["totals"] == {"centres": 4, "organisations": 9, "funds": 1}
    assert sum(region["centres"] for region in report["regions"]) == report["totals"]["centres"]
    assert sum(len(region["groups"]) for region in report["regions"]) == 18


FACTS = {  # as adapters.CoverageFacts gives them: (subdistrict code, status, count)
    "plans": [("910602", "approved", 2), ("910601", "drafted", 1), ("300405", "completed", 1)],
    "centres": [("300405", "active", 1), ("710601", "planned", 1), ("100101", "active", 1)],
    "distribution_centres": [("710101", "active", 1), ("710202", "closed", 1)],
    "trade": [("360101", None, 5), ("910602", None, 1), ("999999", None, 3)],  # 999999: no such subdistrict
}


def test_coverage_per_subdistrict_lists_those_with_something_with_thai_names(geography):
    report = queries.coverage_report(geography, "subdistrict", FACTS, {})
    rows = {row["code"]: row for row in report["items"]}
    assert sorted(rows) == ["100101", "300405", "360101", "710101", "710601", "910601", "910602"]  # not 710202
    nathon = rows["910602"]
    assert (nathon["name_th"], nathon["place"]["province_name_th"], nathon["province_group"]) == ("นาทอน", "สตูล", 17)
    assert (nathon["with_plan"], nathon["with_trade"], nathon["with_incubation_centre"]) == (1, 1, 0)
    assert rows["710601"]["with_planned_incubation_centre"] == 1 and rows["710601"]["with_incubation_centre"] == 0
    assert report["totals"] == {"subdistricts": 7, "with_plan": 3, "with_incubation_centre": 2,
                                "with_planned_incubation_centre": 1, "with_distribution_centre": 1, "with_trade": 2}


def test_coverage_per_province_counts_subdistricts_and_lists_every_province(geography):
    report = queries.coverage_report(geography, "province", FACTS, {"limit": 100, "offset": 0})
    assert report["total"] == 77
    satun = next(row for row in report["items"] if row["code"] == "91")
    assert (satun["name_th"], satun["name_en"], satun["with_plan"], satun["with_trade"]) == ("สตูล", "Satun", 2, 1)
    assert satun["subdistricts"] == 36 and satun["region"] == "south"
    assert report["totals"]["subdistricts"] == 7436
    kanchanaburi = queries.coverage_report(geography, "province", FACTS, {"province": "71"})["items"]
    assert [(row["code"], row["with_distribution_centre"], row["with_planned_incubation_centre"])
            for row in kanchanaburi] == [("71", 1, 1)]


def test_coverage_per_group_and_region_adds_up_and_leaves_bangkok_out_of_the_groups(geography):
    groups = queries.coverage_report(geography, "province_group", FACTS, {})
    assert [row["code"] for row in groups["items"]] == [str(number) for number in range(1, 19)]
    assert groups["totals"]["with_incubation_centre"] == 1  # Bangkok's centre is in no group
    assert "Bangkok" in groups["note"]
    group17 = groups["items"][16]
    assert (group17["name_th"], group17["with_plan"]) == ("ภาคใต้ฝั่งอันดามัน", 2)
    regions = queries.coverage_report(geography, "region", FACTS, {})
    by_code = {row["code"]: row for row in regions["items"]}
    assert by_code["central_west"]["with_incubation_centre"] == 1  # Bangkok, where the data puts it
    assert by_code["northeast"]["with_trade"] == 1 and by_code["south"]["with_trade"] == 1
    assert sum(row["subdistricts"] for row in regions["items"]) == 7436
    only_south = queries.coverage_report(geography, "region", FACTS, {"region": "south"})
    assert [row["code"] for row in only_south["items"]] == ["south"]


def test_coverage_pages_and_refuses_unknown_levels_and_filters(geography):
    page = queries.coverage_report(geography, "province", FACTS, {"limit": 10, "offset": 70})
    assert (page["total"], len(page["items"])) == (77, 7)
    with pytest.raises(InvalidInput) as refused:
        queries.coverage_report(geography, "district", FACTS, {})
    assert list(refused.value.fields) == ["level"]
    with pytest.raises(InvalidInput):
        queries.coverage_report(geography, "region", FACTS, {"province_group": 19})


def test_the_coverage_schema_has_every_figure():
    from centres import schemas
    assert set(queries.COVERAGE_FIGURES) | {"subdistricts"} == set(schemas.CoverageFigures().fields)
