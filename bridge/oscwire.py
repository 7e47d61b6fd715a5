"""Decode OSC 1.0 datagrams strictly, for the reply listener.

Whatever arrives on a reply port comes from the network, so decoding must never raise
anything but :class:`OscDecodeError` and must never write anywhere. python-osc's parser
does both (it raises two unrelated ``ParseError`` classes, lets ``IndexError`` through on
truncated bundles, and reports unknown contents through the root logger, which prints on
stderr); python-osc is kept for building requests only.
"""
from __future__ import annotations

import math
import struct

MAX_DEPTH = 8
"""Bundles nested deeper than this are refused (no host nests them at all)."""
BUNDLE = b"#bundle\0"
_FIXED = {"i": ">i", "h": ">q", "f": ">f", "d": ">d", "t": ">Q", "r": ">I", "c": ">I", "m": ">4B"}
_CONSTANT = {"T": True, "F": False, "N": None, "I": math.inf}


class OscDecodeError(ValueError):
    """A datagram that is not a well-formed OSC message or bundle."""


def decode(data: bytes) -> list[tuple[str, tuple]]:
    """The ``(address, args)`` messages in ``data``, bundles flattened (time tags ignored)."""
    out: list[tuple[str, tuple]] = []
    _element(bytes(data), 0, out)
    return out


def _element(data: bytes, depth: int, out: list[tuple[str, tuple]]) -> None:
    if data.startswith(BUNDLE):
        _bundle(data, depth, out)
    elif data.startswith(b"/"):
        out.append(_message(data))
    else:
        raise OscDecodeError("neither an OSC message (starts with '/') nor a bundle")


def _bundle(data: bytes, depth: int, out: list[tuple[str, tuple]]) -> None:
    if depth >= MAX_DEPTH:
        raise OscDecodeError(f"bundles nested more than {MAX_DEPTH} deep")
    if len(data) < 16:
        raise OscDecodeError("truncated bundle header")
    pos = 16  # "#bundle\0" and the 8-byte time tag
    while pos < len(data):
        if pos + 4 > len(data):
            raise OscDecodeError("truncated bundle element size")
        (size,) = struct.unpack_from(">i", data, pos)
        if size <= 0 or size % 4 or pos + 4 + size > len(data):
            raise OscDecodeError(f"bundle element of {size} bytes does not fit the datagram")
        _element(data[pos + 4:pos + 4 + size], depth + 1, out)
        pos += 4 + size


def _message(data: bytes) -> tuple[str, tuple]:
    address, pos = _string(data, 0)
    if pos == len(data):
        return address, ()  # very old senders omit the type tag string
    tags, pos = _string(data, pos)
    if not tags.startswith(","):
        raise OscDecodeError("the type tag string does not start with ','")
    args, pos = _arguments(data, pos, tags[1:])
    if pos != len(data):
        raise OscDecodeError(f"{len(data) - pos} bytes left after the arguments")
    return address, args


def _arguments(data: bytes, pos: int, tags: str) -> tuple[tuple, int]:
    stack: list[list] = [[]]
    for tag in tags:
        if tag == "[":
            stack.append([])
            continue
        if tag == "]":
            if len(stack) < 2:
                raise OscDecodeError("']' without '[' in the type tags")
            done = tuple(stack.pop())
            stack[-1].append(done)
            continue
        value, pos = _argument(data, pos, tag)
        stack[-1].append(value)
    if len(stack) != 1:
        raise OscDecodeError("'[' without ']' in the type tags")
    return tuple(stack[0]), pos


def _argument(data: bytes, pos: int, tag: str):
    if tag in _CONSTANT:
        return _CONSTANT[tag], pos
    if tag in ("s", "S"):
        return _string(data, pos)
    if tag == "b":
        return _blob(data, pos)
    if tag not in _FIXED:
        raise OscDecodeError(f"unknown type tag {tag!r}")
    layout = struct.Struct(_FIXED[tag])
    if pos + layout.size > len(data):
        raise OscDecodeError(f"truncated {tag!r} argument")
    values = layout.unpack_from(data, pos)
    if tag == "m":
        return values, pos + layout.size
    if tag == "c" and values[0] >= 0x110000:
        raise OscDecodeError(f"character code {values[0]} out of range")
    return chr(values[0]) if tag == "c" else values[0], pos + layout.size


def _string(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\0", pos)
    if end < 0:
        raise OscDecodeError("unterminated string")
    try:
        text = data[pos:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OscDecodeError(f"string is not UTF-8 ({exc.reason})") from None
    return text, _padded(end + 1, data)


def _blob(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 4 > len(data):
        raise OscDecodeError("truncated blob size")
    (size,) = struct.unpack_from(">i", data, pos)
    if size < 0 or pos + 4 + size > len(data):
        raise OscDecodeError(f"blob of {size} bytes does not fit the datagram")
    return data[pos + 4:pos + 4 + size], _padded(pos + 4 + size, data)


def _padded(pos: int, data: bytes) -> int:
    """``pos`` rounded up to the next multiple of 4, which must lie inside ``data``."""
    aligned = (pos + 3) & ~3
    if aligned > len(data):
        raise OscDecodeError("argument padding runs past the end of the datagram")
    return aligned
