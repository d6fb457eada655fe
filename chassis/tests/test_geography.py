"""The province groups and regions as shipped data, checked against geothai's real provinces."""
import collections

import geothai
import pytest

from chassis.geography import BANGKOK_PROVINCE_CODE, Geography, default_geography


@pytest.fixture
def geography():
    return default_geography()


def test_every_province_but_bangkok_is_in_exactly_one_group(geography):
    memberships = collections.Counter(code for group in geography.groups.values() for code in group.provinces)
    all_provinces = {province.code for province in geothai.provinces()}
    assert len(all_provinces) == 77
    assert set(memberships) == all_provinces - {BANGKOK_PROVINCE_CODE}
    assert len(memberships) == 76
    assert [code for code, times in memberships.items() if times != 1] == []


def test_every_group_province_code_is_a_real_geothai_province(geography):
    for group in geography.groups.values():
        for code in group.provinces:
            assert geothai.province(code) is not None, (group.number, code)


def test_the_18_groups_nest_in_the_5_regions(geography):
    assert sorted(geography.groups) == list(range(1, 19))
    sizes = {code: len(geography.provinces_of_region(code) - {BANGKOK_PROVINCE_CODE})
             for code in geography.regions}
    assert sizes == {"north": 17, "northeast": 20, "central_west": 17, "east": 8, "south": 14}


def test_a_real_subdistrict_resolves_to_its_district_province_group_and_region(geography):
    place = geography.place("910602")  # ตำบลนาทอน อำเภอทุ่งหว้า จังหวัดสตูล
    assert place["subdistrict_name_th"] == "นาทอน"
    assert place["district_name_th"] == "ทุ่งหว้า"
    assert (place["province_code"], place["province_name_th"]) == ("91", "สตูล")
    assert (place["province_group"], place["region"]) == (17, "south")


def test_a_bangkok_subdistrict_has_no_group_and_the_configured_region(geography):
    place = geography.place("100101")
    assert place["province_code"] == BANGKOK_PROVINCE_CODE
    assert place["province_group"] is None
    assert place["region"] == geography.bangkok_region == "central_west"


def test_bangkoks_region_is_a_setting():
    data = {"regions": [{"code": "bkk", "name_th": "กรุงเทพฯ และปริมณฑล", "name_en": "Bangkok"}],
            "groups": [], "bangkok_region": "central_west"}
    geography = Geography(data, bangkok_region="bkk")
    assert geography.region_of_province(BANGKOK_PROVINCE_CODE) == "bkk"
    assert geography.provinces_of_region("bkk") == {BANGKOK_PROVINCE_CODE}


@pytest.mark.parametrize("code", ["999999", "360199", "36010", "3601011", "", "abcdef", None, 360101])
def test_unknown_or_malformed_codes_resolve_to_nothing(geography, code):
    assert geography.place(code) is None
