"""Property tests (Hypothesis) for OSC decoding: arbitrary bytes never raise out of the
listener, and what python-osc (an independent encoder) builds decodes to the same values."""
from __future__ import annotations

import math
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.oscwire import MAX_DEPTH, OscDecodeError, decode
from bridge.transport import OscLink, encode, d, f, i, s
from bridge_doubles import MALFORMED, bundle_datagram, free_udp_port, osc_datagram

SENDER = ("127.0.0.1", 9)
segment = st.text(st.characters(blacklist_characters="\0/ #*,?[]{}", blacklist_categories=("Cs",)),
                  min_size=1, max_size=12)
addresses = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
strings = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=40)
float32s = st.floats(width=32, allow_nan=False)
arguments = st.one_of(
    st.tuples(st.just("i"), st.integers(-2**31, 2**31 - 1)),
    st.tuples(st.just("h"), st.integers(-2**63, 2**63 - 1)),
    st.tuples(st.just("f"), float32s),
    st.tuples(st.just("d"), st.floats(allow_nan=False)),
    st.tuples(st.just("s"), strings),
    st.tuples(st.just("b"), st.binary(min_size=1, max_size=40)),  # python-osc refuses empty blobs
    st.tuples(st.sampled_from("TFN"), st.none()),
)
CONSTANTS = {"T": True, "F": False, "N": None}


def _build(address: str, args: list[tuple[str, object]]) -> bytes:
    builder = OscMessageBuilder(address)
    for tag, value in args:
        builder.add_arg(value, tag)
    return builder.build().dgram


def _expected(args: list[tuple[str, object]]) -> tuple:
    return tuple(CONSTANTS[tag] if tag in CONSTANTS else value for tag, value in args)


messages = st.tuples(addresses, st.lists(arguments, max_size=6))


@st.composite
def bundles(draw, depth: int = 0):
    """A python-osc bundle datagram and the messages it holds, in order, flattened."""
    builder, flat = OscBundleBuilder(IMMEDIATELY), []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            inner, held = draw(bundles(depth + 1))
            builder.add_content(OscBundle(inner))
            flat.extend(held)
        else:
            address, args = draw(messages)
            builder.add_content(OscMessage(_build(address, args)))
            flat.append((address, _expected(args)))
    return builder.build().dgram, flat


@given(messages)
def test_python_osc_messages_round_trip(message) -> None:
    address, args = message
    assert decode(_build(address, args)) == [(address, _expected(args))]


@given(bundles())
def test_python_osc_bundles_round_trip(bundle) -> None:
    dgram, flat = bundle
    assert decode(dgram) == flat


@given(addresses, st.integers(-2**31, 2**31 - 1), float32s, st.floats(allow_nan=False), strings)
def test_bridge_requests_round_trip(address, n, x32, x64, text) -> None:
    dgram = encode(address, [i(n), f(x32), d(x64), s(text)])
    assert decode(dgram) == [(address, (n, x32, x64, text))]


@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        decoded = decode(data)
    except OscDecodeError:
        return
    assert all(address.startswith("/") for address, _ in decoded)


@st.composite
def damaged(draw) -> bytes:
    """A valid message or bundle, cut short or with some bytes overwritten."""
    dgram = draw(bundles())[0] if draw(st.booleans()) else _build(*draw(messages))
    data = bytearray(dgram[:draw(st.integers(0, len(dgram)))])
    for _ in range(draw(st.integers(0, 3))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@given(damaged())
def test_damaged_datagrams_decode_or_raise_decode_error(data: bytes) -> None:
    try:
        decode(data)
    except OscDecodeError:
        pass


@pytest.fixture(scope="module")
def link():
    with OscLink("127.0.0.1", free_udp_port(), bind_port=0) as opened:
        yield opened


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=120), damaged(), st.sampled_from(sorted(MALFORMED.values()))))
def test_filing_any_datagram_never_raises(link: OscLink, data: bytes) -> None:
    link.file(data, SENDER)
    link.file(osc_datagram("/after", 1), SENDER)
    assert link.drain("/after")[-1].args == (1,)


def test_floats_keep_their_bits() -> None:
    for x in (math.inf, -math.inf, 1e-45, -0.0, 3.4028234663852886e38):
        assert decode(encode("/x", [f(x)]))[0][1][0] == struct.unpack(">f", struct.pack(">f", x))[0]


def test_nesting_past_the_limit_is_refused() -> None:
    dgram = osc_datagram("/deep")
    for _ in range(MAX_DEPTH):
        dgram = bundle_datagram(dgram)
    assert decode(dgram) == [("/deep", ())]
    with pytest.raises(OscDecodeError, match="nested"):
        decode(bundle_datagram(dgram))


@pytest.mark.parametrize("data, pattern", [
    (b"/x\0\0,i\0\0\0\0", "truncated 'i'"),
    (b"/x\0\0,[i\0\0\0\0\0\x01", "'\\[' without '\\]'"),
    (b"/x\0\0,]\0\0", "'\\]' without '\\['"),
    (b"/x\0\0,i\0\0\0\0\0\x01\0\0\0\0", "4 bytes left"),
    (b"/\xff\0\0", "not UTF-8"),
    (b"/x\0\0,c\0\0\x7f\xff\xff\xff", "character code"),
])
def test_malformed_messages_say_why(data: bytes, pattern: str) -> None:
    with pytest.raises(OscDecodeError, match=pattern):
        decode(data)


def test_arrays_and_rarer_types_decode() -> None:
    body = (b"/a\0\0" + b",[ii]tcmrI\0\0" + struct.pack(">iiQI", 1, 2, 7, ord("é")) + bytes([0, 144, 60, 100])
            + struct.pack(">I", 0xFF00FF00))
    assert decode(body) == [("/a", ((1, 2), 7, "é", (0, 144, 60, 100), 0xFF00FF00, math.inf))]
