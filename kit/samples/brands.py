"""The brands, cities and store profiles of a synthetic dealer group (经销商集团), for :mod:`kit.samples.group`.

Every brand and car model name is invented. A group's store ``k`` gets its brand, city, size and seasonality
from ``(seed, k)`` alone, so store S007 is the same store in a group of 10 and in a group of 100.

- Brands (:data:`BRANDS`): each with its own line-up and margin tiers, conversion, loan wish, price level,
  fleet business and trend: the sample's mid-market brand, a premium import brand (few leads, high conversion and
  margins), a domestic SUV brand, an EV brand (many online leads, thin or negative margins, fast growth, a
  December rush before subsidies change and a January slump) and a joint-venture sedan brand (shrinking, taxi
  fleets).
- Cities (:data:`CITIES`): tier 1 stores are bigger and empty out at the Spring Festival (festival month ×0.55);
  lower-tier cities keep more of their trade (×0.72) and see people buying before they go home (the month before
  the festival ×1.06); northern cities slow down in the October harvest (×0.93).
- Size: consultant posts from 3 to 18 (about 60 leads a post), bigger in bigger cities; the other teams
  scale with it.
- Seasonality: each store's amplitude of the calendar season (:data:`~kit.samples.parameters.MONTH_SEASON`) is
  drawn between 0.6 and 1.4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit.samples.parameters import (
    ANNUAL_TREND, FLEET_ORDERS_PER_LEAD, MONTH_SEASON, SAMPLE_BRAND, Brand, CarModel, StoreProfile,
)

_ONLINE_HEAVY = {"walk_in": 0.12, "phone": 0.06, "online": 0.70, "referral": 0.045, "event": 0.065}
_SHOWROOM_HEAVY = {"walk_in": 0.26, "phone": 0.12, "online": 0.48, "referral": 0.07, "event": 0.07}


@dataclass(frozen=True)
class GroupBrand:
    """A brand of the group: the brand itself plus how its stores differ (leads a post, trend, season, size)."""

    brand: Brand
    leads_per_post: float
    trend: float
    posts: float                      # median consultant posts of a tier-2 store
    season_tilt: tuple[float, ...] = (1.0,) * 12
    weight: float = 1.0               # how common the brand is in a group


BRANDS: tuple[GroupBrand, ...] = (
    GroupBrand(SAMPLE_BRAND, leads_per_post=63, trend=ANNUAL_TREND, posts=8, weight=1.3),
    GroupBrand(Brand(
        "Lumen", "朗明", (
            CarModel("Celesta", "premium", "sedan", 0.26, 22000, 8000, "steady", 1.6),
            CarModel("Solara", "premium", "SUV", 0.24, 26000, 9000, "growing", 1.4),
            CarModel("Vantor", "standard", "SUV", 0.22, 12000, 5000, "steady", 1.3),
            CarModel("Lyra", "entry", "hatchback", 0.16, 3500, 3000, "run_out", 2.4),
            CarModel("Orion", "premium", "EV", 0.10, 15000, 6000, "launch", 0.8),
            CarModel("Regalia", "premium", "sedan", 0.02, 40000, 12000, "intermittent", 2.2),
        ),
        {"Vantor": 0.7, "Celesta": 0.3}, conversion_logit=0.35, channel_mix=_SHOWROOM_HEAVY, loan_wish=0.55,
        planned_conversion=0.115, launch_months_before_end=9, price_factor=1.9),
        leads_per_post=45, trend=0.02, posts=6, weight=0.7),
    GroupBrand(Brand(
        "Terra", "拓野", (
            CarModel("Ridge", "standard", "SUV", 0.28, 3500, 2400, "steady", 1.2),
            CarModel("Mesa", "entry", "SUV", 0.22, 1200, 2000, "steady", 1.0),
            CarModel("Canyon", "premium", "SUV", 0.14, 8000, 3500, "steady", 1.7),
            CarModel("Trail", "entry", "sedan", 0.14, 600, 2200, "run_out", 2.3),
            CarModel("Summit", "standard", "PHEV", 0.14, 4000, 2500, "growing", 1.0),
            CarModel("Peak", "premium", "EV", 0.08, 7000, 3000, "launch", 0.9),
        ),
        {"Mesa": 0.6, "Ridge": 0.4}, loan_wish=0.45, launch_months_before_end=14),
        leads_per_post=65, trend=0.04, posts=9, weight=1.1),
    GroupBrand(Brand(
        "Volt", "伏特", (
            CarModel("V3", "entry", "EV", 0.30, -500, 1500, "steady", 0.8),
            CarModel("V5", "standard", "EV", 0.30, 1800, 1800, "steady", 0.9),
            CarModel("V6", "standard", "SUV", 0.18, 2500, 2000, "growing", 0.9),
            CarModel("V7", "premium", "EV", 0.14, 6000, 2500, "steady", 1.1),
            CarModel("V9", "premium", "MPV", 0.08, 9000, 3500, "launch", 0.7),
        ),
        {"V5": 0.8, "V3": 0.2}, conversion_logit=-0.25, channel_mix=_ONLINE_HEAVY, loan_wish=0.55,
        planned_conversion=0.065, launch_months_before_end=3, price_factor=0.9),
        leads_per_post=80, trend=0.20, posts=7,
        season_tilt=(0.85, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.2), weight=1.0),
    GroupBrand(Brand(
        "Harbor", "海岸", (
            CarModel("Marina", "standard", "sedan", 0.32, 3000, 2200, "steady", 1.2),
            CarModel("Cove", "entry", "sedan", 0.22, 800, 2000, "steady", 1.1),
            CarModel("Pier", "standard", "SUV", 0.20, 4500, 2600, "steady", 1.3),
            CarModel("Atlas", "premium", "SUV", 0.12, 9000, 3800, "steady", 1.8),
            CarModel("Bay", "entry", "hatchback", 0.10, 300, 1800, "run_out", 2.5),
            CarModel("Tide", "standard", "hybrid", 0.04, 3500, 2200, "launch", 0.9),
        ),
        {"Marina": 0.5, "Cove": 0.5}, conversion_logit=0.10, loan_wish=0.40, launch_months_before_end=20,
        price_factor=1.1),
        leads_per_post=60, trend=-0.03, posts=8, weight=0.9),
)


@dataclass(frozen=True)
class City:
    """A city a store can be in: names, tier (1 = largest) and whether it is in the north."""

    name_zh: str
    name_en: str
    tier: int
    north: bool


CITIES: tuple[City, ...] = (
    City("北京", "Beijing", 1, True), City("上海", "Shanghai", 1, False), City("广州", "Guangzhou", 1, False),
    City("深圳", "Shenzhen", 1, False), City("成都", "Chengdu", 2, False), City("杭州", "Hangzhou", 2, False),
    City("武汉", "Wuhan", 2, False), City("西安", "Xi'an", 2, True), City("南京", "Nanjing", 2, False),
    City("苏州", "Suzhou", 2, False), City("郑州", "Zhengzhou", 2, True), City("长沙", "Changsha", 2, False),
    City("青岛", "Qingdao", 2, True), City("沈阳", "Shenyang", 2, True), City("合肥", "Hefei", 2, False),
    City("济南", "Jinan", 2, True), City("昆明", "Kunming", 3, False), City("南宁", "Nanning", 3, False),
    City("佛山", "Foshan", 3, False), City("东莞", "Dongguan", 3, False), City("温州", "Wenzhou", 3, False),
    City("无锡", "Wuxi", 3, False), City("洛阳", "Luoyang", 3, True), City("绵阳", "Mianyang", 4, False),
    City("赣州", "Ganzhou", 4, False), City("保定", "Baoding", 4, True), City("邯郸", "Handan", 4, True),
    City("襄阳", "Xiangyang", 4, False), City("菏泽", "Heze", 5, True), City("商丘", "Shangqiu", 5, True),
)
_CITY_WEIGHT = {1: 0.6, 2: 1.0, 3: 1.0, 4: 0.9, 5: 0.7}
_TIER_SIZE = {1: 1.35, 2: 1.0, 3: 0.85, 4: 0.75, 5: 0.65}
_FESTIVAL_BY_TIER = {1: 0.55, 2: 0.62, 3: 0.68, 4: 0.72, 5: 0.72}
_NUMERALS = "一二三四五六七八九十"
#: Second seed word of the streams that place a group's stores (brand order; store k's own draws).
_GROUP_STREAM = 0x47525550


@dataclass(frozen=True)
class GroupStore:
    """A store of a group: its profile for the simulation, its brand, city and display name."""

    number: int
    profile: StoreProfile
    brand: GroupBrand
    city: City
    name: str
    season_amplitude: float
    pre_festival_lift: float
    harvest_dip: float


def store_id(number: int, n_stores: int) -> str:
    """``S001`` … (three digits, more for a group of 1,000 stores or more)."""
    return f"S{number:0{max(3, len(str(n_stores)))}d}"


def group_stores(n_stores: int, seed: int) -> list[GroupStore]:
    """The stores of a group of ``n_stores``; store ``k`` depends on ``(seed, k)`` only."""
    order = np.random.default_rng([seed, _GROUP_STREAM]).permutation(len(BRANDS))
    weights = np.array([b.weight for b in BRANDS])
    city_weights = np.array([_CITY_WEIGHT[c.tier] for c in CITIES])
    seen: dict[tuple[str, str], int] = {}
    out = []
    for k in range(1, n_stores + 1):
        rng = np.random.default_rng([seed, _GROUP_STREAM, k])
        # the first stores cover every brand; later ones follow how common each brand is
        brand = BRANDS[int(order[k - 1])] if k <= len(BRANDS) else BRANDS[int(rng.choice(len(BRANDS),
                                                                                           p=weights / weights.sum()))]
        city = CITIES[int(rng.choice(len(CITIES), p=city_weights / city_weights.sum()))]
        posts = int(np.clip(round(brand.posts * _TIER_SIZE[city.tier] * float(np.exp(rng.normal(0, 0.3)))), 3, 18))
        leads = posts * brand.leads_per_post * float(np.exp(rng.normal(0, 0.1)))
        amplitude = float(rng.uniform(0.6, 1.4))
        pre_festival = 1.06 if city.tier >= 3 else 1.0
        harvest = 0.93 if city.north else 1.0
        season = tuple(float((1 + amplitude * (MONTH_SEASON[m] - 1)) * brand.season_tilt[m - 1]
                             * (harvest if m == 10 else 1.0)) for m in range(1, 13))
        festival = float(_FESTIVAL_BY_TIER[city.tier] * np.exp(rng.normal(0, 0.05)))
        trend = float(brand.trend + rng.normal(0, 0.04))
        fleet = float(FLEET_ORDERS_PER_LEAD * (2.0 if brand.brand.name == "Harbor" else 1.0)
                      * np.exp(rng.normal(0, 0.3)))
        sid = store_id(k, n_stores)
        profile = StoreProfile(sid, posts, staff_scale=posts / 5.5, leads_per_month=leads, season=season,
                               festival_factor=festival, pre_festival_factor=pre_festival, trend=trend,
                               fleet_rate=fleet)
        nth = seen.get((brand.brand.name, city.name_en), 0) + 1
        seen[(brand.brand.name, city.name_en)] = nth
        name = (f"{brand.brand.name_zh}{city.name_zh}{_NUMERALS[(nth - 1) % 10]}店 "
                f"{brand.brand.name} {city.name_en} {nth}")
        out.append(GroupStore(k, profile, brand, city, name, amplitude, pre_festival, harvest))
    return out
