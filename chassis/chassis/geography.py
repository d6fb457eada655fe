"""Thai geography: real subdistricts from geothai, province groups and regions from data.

geothai's data is GeoThai/data, © 2026 Pongsakorn Thipayanate, CC BY 4.0: credit "GeoThai" where it
is shown (the centres README).

Plain Python (no nameko, no database): a subdistrict code resolves to a place, or is refused.
"""
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources

import geothai
import yaml

BANGKOK_PROVINCE_CODE = "10"


@dataclass(frozen=True)
class ProvinceGroup:
    number: int
    name_th: str
    name_en: str
    region: str
    provinces: tuple


@dataclass(frozen=True)
class Region:
    code: str
    name_th: str
    name_en: str


class Geography:
    def __init__(self, data, bangkok_region=None):
        self.regions = {r["code"]: Region(r["code"], r["name_th"], r["name_en"]) for r in data["regions"]}
        self.groups = {
            g["number"]: ProvinceGroup(g["number"], g["name_th"], g["name_en"], g["region"],
                                       tuple(g["provinces"]))
            for g in data["groups"]
        }
        self.group_of_province = {code: g.number for g in self.groups.values() for code in g.provinces}
        self.bangkok_region = bangkok_region or data.get("bangkok_region")

    def region_of_province(self, province_code):
        if province_code == BANGKOK_PROVINCE_CODE:
            return self.bangkok_region
        group = self.group_of_province.get(province_code)
        return self.groups[group].region if group else None

    def provinces_of_region(self, region_code):
        """Province codes of a region, Bangkok included when it is placed there."""
        codes = {code for group in self.groups.values() if group.region == region_code
                 for code in group.provinces}
        if self.bangkok_region == region_code:
            codes.add(BANGKOK_PROVINCE_CODE)
        return codes

    def place(self, subdistrict_code):
        """The place of a real subdistrict code, or None if no such subdistrict exists."""
        if not isinstance(subdistrict_code, str):
            return None
        subdistrict = geothai.subdistrict(subdistrict_code)
        if subdistrict is None:
            return None
        district = geothai.district(subdistrict.district_code)
        province = geothai.province(subdistrict.province_code)
        return {
            "subdistrict_code": subdistrict.code,
            "subdistrict_name_th": subdistrict.name_th,
            "subdistrict_name_en": subdistrict.name_en,
            "district_code": district.code,
            "district_name_th": district.name_th,
            "province_code": province.code,
            "province_name_th": province.name_th,
            "province_name_en": province.name_en,
            "province_group": self.group_of_province.get(province.code),
            "region": self.region_of_province(province.code),
        }

    def province_place(self, province_code):
        """A province as the province part of a place (None if there is no such province)."""
        province = geothai.province(province_code)
        return province and {
            "province_code": province.code, "province_name_th": province.name_th,
            "province_name_en": province.name_en, "province_group": self.group_of_province.get(province.code),
            "region": self.region_of_province(province.code)}

    def subdistricts_per_province(self):
        return _subdistricts_per_province()


@cache
def _subdistricts_per_province():
    """{province code: how many subdistricts it has} (all 7,436 of geothai's, read once)."""
    return {province.code: sum(len(geothai.subdistricts(district.code))
                               for district in geothai.districts(province.code))
            for province in geothai.provinces()}


@cache
def default_geography():
    text = resources.files("chassis").joinpath("data/province_groups.yaml").read_text(encoding="utf-8")
    return Geography(yaml.safe_load(text), bangkok_region=os.environ.get("CENTRES_BANGKOK_REGION"))
