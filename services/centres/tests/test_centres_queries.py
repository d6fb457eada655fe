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
