"""Property tests of request validation: every finite in-range value is accepted, anything else
is refused with a ConfigError that names the field and its range."""
from __future__ import annotations

import dataclasses
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foley_studio.errors import ConfigError
from foley_studio.requests import LIMITS, MAX_SECONDS, MAX_SEED, GenerationRequest, SamplerSettings

SAMPLER_FIELDS = [f.name for f in dataclasses.fields(SamplerSettings)]
FAST = settings(max_examples=60, deadline=None)


def inside(name: str) -> st.SearchStrategy:
    limit = LIMITS[name]
    if limit.integer:
        return st.integers(int(limit.low), int(limit.high))
    return st.floats(limit.low, limit.high, allow_nan=False, allow_infinity=False)


def outside(name: str) -> st.SearchStrategy:
    """Values that cannot mean anything for ``name``: out of range, not finite, wrong type."""
    limit = LIMITS[name]
    if limit.integer:
        wrong = st.one_of(st.integers(max_value=int(limit.low) - 1),
                          st.integers(min_value=int(limit.high) + 1),
                          st.floats(allow_nan=True), st.booleans(), st.text(max_size=3))
    else:
        wrong = st.one_of(st.floats(max_value=limit.low, exclude_max=True),
                          st.floats(min_value=limit.high, exclude_min=True),
                          st.sampled_from([math.nan, math.inf, -math.inf]),
                          st.booleans(), st.none(), st.text(max_size=3))
    return wrong


def names(name: str) -> str:
    return re.escape(f"{LIMITS[name].label} must") + ".*" + re.escape(LIMITS[name].span)


@pytest.mark.parametrize("name", sorted(LIMITS))
@FAST
@given(data=st.data())
def test_every_limit_accepts_its_range_and_nothing_else(name: str, data: st.DataObject) -> None:
    LIMITS[name].check(data.draw(inside(name)))
    with pytest.raises(ConfigError, match=names(name)):
        LIMITS[name].check(data.draw(outside(name)))


@pytest.mark.parametrize("name", SAMPLER_FIELDS)
@FAST
@given(data=st.data())
def test_in_range_sampler_values_are_accepted(name: str, data: st.DataObject) -> None:
    value = data.draw(inside(name))
    assert getattr(SamplerSettings(**{name: value}), name) == value


@pytest.mark.parametrize("name", SAMPLER_FIELDS)
@FAST
@given(data=st.data())
def test_other_sampler_values_are_refused_by_name(name: str, data: st.DataObject) -> None:
    optional = name == "sync_guidance"  # None there means "as guidance"
    value = data.draw(outside(name).filter(lambda v: not (optional and v is None)))
    with pytest.raises(ConfigError, match=names(name)):
        SamplerSettings(**{name: value})


def test_no_sync_guidance_means_the_guidance() -> None:
    assert SamplerSettings(sync_guidance=None).sync_guidance is None


@FAST
@given(sampler=st.builds(SamplerSettings, **{n: inside(n) for n in SAMPLER_FIELDS}))
def test_any_combination_of_in_range_settings_is_accepted(sampler: SamplerSettings) -> None:
    assert dataclasses.replace(sampler) == sampler


@st.composite
def regions(draw: st.DrawFn) -> tuple[float, float]:
    start = draw(st.floats(0.0, LIMITS["start"].high - 1.0, allow_nan=False))
    length = draw(st.floats(0.01, min(MAX_SECONDS, LIMITS["end"].high - start), allow_nan=False))
    return start, start + length


@FAST
@given(region=regions(), takes=inside("takes"), seed=st.integers(0, MAX_SEED), text=st.booleans())
def test_valid_requests_are_accepted(region: tuple[float, float], takes: int, seed: int,
                                     text: bool) -> None:
    seed = min(seed, MAX_SEED - takes + 1)
    source = dict(prompt="rain on a tin roof") if text else dict(source="clip.mp4")
    request = GenerationRequest("text" if text else "foley", start=region[0], end=region[1],
                                takes=takes, seed=seed, **source)
    assert (request.start, request.end, request.seed) == (*region, seed)


@pytest.mark.parametrize("name", ["takes", "seed", "start", "end"])
@FAST
@given(data=st.data())
def test_bad_request_values_are_refused_by_name(name: str, data: st.DataObject) -> None:
    with pytest.raises(ConfigError, match=names(name)):
        GenerationRequest("foley", "clip.mp4", **{name: data.draw(outside(name))})


@FAST
@given(takes=inside("takes"), over=st.integers(1, 2**70))
def test_no_take_gets_a_seed_past_the_range(takes: int, over: int) -> None:
    seed = MAX_SEED - takes + 1 + over  # the last take would use MAX_SEED + over
    with pytest.raises(ConfigError, match="seed must lie in 0–"):
        GenerationRequest("foley", "clip.mp4", takes=takes, seed=seed)


@FAST
@given(start=st.floats(0, 100), length=st.floats(MAX_SECONDS + 0.01, 8e4))
def test_over_long_regions_are_refused(start: float, length: float) -> None:
    with pytest.raises(ConfigError, match=f"at most {MAX_SECONDS:g} s"):
        GenerationRequest("text", prompt="wind", start=start, end=start + length)


@FAST
@given(extend=outside("extend").filter(lambda v: v not in (0, 0.0, None, False, "")))
def test_meaningless_outpaint_lengths_are_refused(extend: object) -> None:
    with pytest.raises(ConfigError, match=names("extend")):
        GenerationRequest("extend", "clip.mp4", extend=extend)


@FAST
@given(a=st.floats(allow_nan=True), b=st.floats(allow_nan=True))
def test_a_gap_is_accepted_only_inside_the_region(a: float, b: float) -> None:
    ok = math.isfinite(a) and math.isfinite(b) and 1.0 <= a < b <= 3.0
    if ok:
        assert GenerationRequest("inpaint", "clip.mp4", 1.0, 3.0, gap=(a, b)).gap == (a, b)
    else:
        with pytest.raises(ConfigError, match="gap"):
            GenerationRequest("inpaint", "clip.mp4", 1.0, 3.0, gap=(a, b))


@pytest.mark.parametrize("kwargs, field", [
    ({"mode": "foley", "source": "a.png", "prompt": "dog"}, "prompt"),
    ({"mode": "storyboard", "source": "a.mp4", "prompt": "dog"}, "prompt"),
    ({"mode": "foley", "source": "a.mp4", "gap": (1.0, 2.0)}, "gap"),
    ({"mode": "inpaint", "source": "a.mp4", "gap": (1.0, 2.0), "extend": 2.0}, "length to add"),
])
def test_settings_a_mode_cannot_use_are_refused_not_recorded(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        GenerationRequest(**kwargs)
