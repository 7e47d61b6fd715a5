"""OSC over UDP: one socket that sends requests and hears the host's replies.

The socket is bound to the reply port the host answers to (AbletonOSC always answers on
11001, whatever port the request came from), so replies and the host's unsolicited error
messages arrive on it; requests go out from the same socket, which also covers hosts that
answer the sender's port. A background thread decodes each datagram and files the message
(python-osc only builds requests); :meth:`OscLink.request` sends, waits on a condition for
the reply, resends on silence and never waits longer than its timeout. Only paths and numbers travel, never audio.

The listener survives any datagram: what does not decode (:mod:`bridge.oscwire`) is logged
at debug level on the ``bridge.transport`` logger, counted, and named in the "no answer"
message. OSC replies carry no request id, so a request that had to be resent leaves replies
*owed*: the late answers to its earlier sends. They are discarded when they arrive (within
the request's timeout after it ended) instead of being taken as the answer to the next
query on the same address.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from pythonosc.osc_message_builder import BuildError, OscMessageBuilder

from foley_studio.errors import BridgeError

from bridge.oscwire import OscDecodeError, decode

MAX_DATAGRAM = 65536
"""Largest datagram read; requests stay far below the 8 KiB that UDP servers accept."""
MAX_REQUEST = 8192
MAX_INBOX = 256
"""Unclaimed messages kept (hosts also send unsolicited ones, e.g. AbletonOSC's /live/startup)."""
_POLL_S = 0.05
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arg:
    """One OSC argument with an explicit type tag (``i``, ``h``, ``f``, ``d``, ``s``, ``T``, ``F``)."""

    value: Any
    tag: str


@dataclass(frozen=True)
class Message:
    """A received OSC message."""

    address: str
    args: tuple
    sender: tuple[str, int]


@dataclass
class _Owed:
    """Replies still due to earlier sends of a request that was already answered or gave up."""

    address: str
    match: Optional[Callable[[Message], bool]]
    count: int
    until: float

    def takes(self, msg: Message, now: float) -> bool:
        """Whether ``msg`` is one of these stale replies (and count it off)."""
        if self.count <= 0 or now > self.until or msg.address != self.address:
            return False
        if self.match is not None and not _matches(self.match, msg):
            return False
        self.count -= 1
        return True


def i(value: int) -> Arg:
    """A 32-bit int argument."""
    return Arg(int(value), "i")


def f(value: float) -> Arg:
    """A 32-bit float argument (what REAPER reads)."""
    return Arg(float(value), "f")


def d(value: float) -> Arg:
    """A 64-bit float argument (AbletonOSC parses it; keeps beat positions exact)."""
    return Arg(float(value), "d")


def s(value: str) -> Arg:
    """A UTF-8 string argument."""
    return Arg(str(value), "s")


def encode(address: str, args: Sequence[Arg] = ()) -> bytes:
    """The datagram for ``address`` with typed ``args``; refuses blobs and oversized messages."""
    builder = OscMessageBuilder(address)
    for arg in args:
        if arg.tag == "b" or isinstance(arg.value, (bytes, bytearray)):
            raise BridgeError(f"Refusing to send binary data to {address}; send a file path instead.")
        builder.add_arg(arg.value, arg.tag)
    try:
        dgram = builder.build().dgram
    except BuildError as exc:
        raise BridgeError(f"Could not encode the OSC message {address}: {exc}.") from exc
    if len(dgram) > MAX_REQUEST:
        raise BridgeError(f"The OSC message {address} is {len(dgram)} bytes, over {MAX_REQUEST}; "
                          "use a shorter file path or name.")
    return dgram


def resolve_host(host: str, timeout: float) -> str:
    """The IPv4 address for ``host`` ("localhost" is 127.0.0.1), looked up within ``timeout``."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    found: list[str] = []
    worker = threading.Thread(target=_lookup, args=(host, found), daemon=True)
    worker.start()
    worker.join(timeout)
    if not found or found[0] == "":
        raise BridgeError(f"Cannot find the host {host!r} (no IPv4 address within {timeout:g} s); "
                          "check the host name in the target preset, or use an IP address.")
    return found[0]


def _lookup(host: str, found: list[str]) -> None:
    try:
        found.append(socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0])
    except OSError:
        found.append("")


class OscLink:
    """A UDP OSC endpoint talking to one host: send, and wait for replies with timeouts.

    ``bind_port`` is where replies arrive (0 picks a free port). Thread-safe: requests are
    serialised so one caller's reply is never handed to another. Use as a context manager or
    call :meth:`close`; closing stops the listener thread and closes the socket.
    """

    def __init__(self, host: str, port: int, *, bind_host: str = "127.0.0.1", bind_port: int = 0,
                 label: str = "the host", resolve_timeout: float = 1.0) -> None:
        self.label = label
        self.address = (resolve_host(host, resolve_timeout), _check_port(port, "port"))
        _check_route(self.address[0], bind_host, label)
        self._sock = _bind(bind_host, _check_port(bind_port, "reply port", allow_zero=True), label)
        self.bind_address = self._sock.getsockname()
        self._inbox: list[Message] = []
        self._owed: list[_Owed] = []
        self._unreadable = 0
        self.discarded = 0
        """Stale replies dropped so far (for diagnostics and tests)."""
        self._cond = threading.Condition()
        self._request_lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name=f"osc-listen-{self.bind_address[1]}",
                                        daemon=True)
        self._thread.start()

    # lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop listening and release the socket (idempotent)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> "OscLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._stop.is_set()

    # sending and receiving -------------------------------------------------------------
    def send(self, address: str, args: Sequence[Arg] = ()) -> None:
        """Send one message; a refused or unroutable destination becomes a :class:`BridgeError`."""
        if self.closed:
            raise BridgeError(f"The connection to {self.label} is closed; connect again.")
        dgram = encode(address, args)
        try:
            self._sock.sendto(dgram, self.address)
        except OSError as exc:
            raise BridgeError(f"Cannot send to {self.label} at {self._where()}: {exc.strerror or exc}. "
                              "Check the host and port in the target preset.") from exc

    def request(self, address: str, args: Sequence[Arg] = (), *, reply: Optional[str] = None,
                match: Optional[Callable[[Message], bool]] = None, timeout: float = 1.0,
                retries: int = 1, error_address: Optional[str] = None) -> Message:
        """Send ``address`` and return the first reply on ``reply`` (default: the same address).

        Resends up to ``retries`` times on silence; once this call has the link (requests from
        other threads go one at a time) it never waits more than ``timeout``. A message on
        ``error_address`` that arrives meanwhile is raised as a :class:`BridgeError`.
        """
        reply = reply or address
        attempts = max(1, retries + 1)
        with self._request_lock:
            deadline = time.monotonic() + timeout
            self.drain(reply)
            sent = 0
            try:
                for attempt in range(attempts):
                    self.send(address, args)
                    sent += 1
                    slice_end = time.monotonic() + (deadline - time.monotonic()) / (attempts - attempt)
                    got = self.wait_for(reply, until=slice_end, match=match, error_address=error_address)
                    if got is not None:
                        sent -= 1
                        return got
            finally:
                self._owe(reply, match, sent, timeout)
        raise BridgeError(self._silence(address, timeout, attempts))

    def wait_for(self, address: str, *, until: float, match: Optional[Callable[[Message], bool]] = None,
                 error_address: Optional[str] = None) -> Optional[Message]:
        """The first filed message on ``address`` (and passing ``match``) before ``until``, or None."""
        with self._cond:
            while True:
                self._raise_pending(error_address)
                for msg in self._inbox:
                    if msg.address == address and (match is None or _matches(match, msg)):
                        self._inbox.remove(msg)
                        return msg
                left = until - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self._cond.wait(min(left, _POLL_S * 4))

    def drain(self, address: Optional[str] = None) -> list[Message]:
        """Remove and return filed messages (all, or those on ``address``); forget unreadable ones."""
        with self._cond:
            taken = [m for m in self._inbox if address is None or m.address == address]
            self._inbox = [m for m in self._inbox if m not in taken]
            self._unreadable = 0
            return taken

    # internals -------------------------------------------------------------------------
    def _owe(self, address: str, match: Optional[Callable[[Message], bool]], count: int,
             window: float) -> None:
        if count <= 0:
            return
        with self._cond:
            now = time.monotonic()
            self._owed = [o for o in self._owed if o.count > 0 and o.until >= now]
            self._owed.append(_Owed(address, match, count, now + window))

    def _raise_pending(self, error_address: Optional[str]) -> None:
        for msg in self._inbox:
            if error_address and msg.address == error_address:
                self._inbox.remove(msg)
                text = " ".join(str(a) for a in msg.args) or "(no message)"
                raise BridgeError(f"{self.label} reported an error: {text}")

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self._sock.recvfrom(MAX_DATAGRAM)
            except (socket.timeout, BlockingIOError):
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue  # ICMP "port unreachable" echoes on some systems; keep listening
            self.file(data, sender)

    def file(self, data: bytes, sender: tuple[str, int]) -> None:
        """File one received datagram: its messages, or one more unreadable datagram.

        Never raises for any ``data``; stale replies (see the module doc) are dropped.
        """
        try:
            messages = [Message(address, args, sender) for address, args in decode(data)]
        except OscDecodeError as exc:
            LOG.debug("ignored a datagram from %s:%s that is not OSC (%s)", *sender[:2], exc)
            messages = []
        with self._cond:
            if not messages:
                self._unreadable += 1
            for msg in messages:
                self._file_one(msg)
            del self._inbox[:-MAX_INBOX]
            self._cond.notify_all()

    def _file_one(self, msg: Message) -> None:
        now = time.monotonic()
        if any(owed.takes(msg, now) for owed in self._owed):
            self.discarded += 1
            LOG.debug("discarded a late reply on %s (answer to an earlier send)", msg.address)
        else:
            self._inbox.append(msg)

    def _where(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    def _silence(self, address: str, timeout: float, attempts: int) -> str:
        text = (f"No answer from {self.label} at {self._where()} to {address} within {timeout:g} s "
                f"({attempts} tries, replies expected on port {self.bind_address[1]}). Check that it "
                "is running, that its OSC control is enabled on that port, and that no firewall "
                "blocks UDP.")
        with self._cond:
            unreadable, self._unreadable = self._unreadable, 0
        if unreadable:
            text += (f" Meanwhile {unreadable} datagram(s) that are not OSC arrived on port "
                     f"{self.bind_address[1]}: check that the port belongs to the right program.")
        return text


def _matches(match: Callable[[Message], bool], msg: Message) -> bool:
    """``match(msg)``, where a reply too short or of the wrong types simply does not match."""
    try:
        return bool(match(msg))
    except (TypeError, ValueError, IndexError, KeyError):
        return False


class PortProbe:
    """One empty datagram sent to a UDP ``address`` from a connected socket.

    :meth:`refused` tells, without waiting, whether an ICMP "port unreachable" has come back
    (nothing listens there). False means "maybe listening": a firewall or another computer
    may send no ICMP at all. Use as a context manager.
    """

    def __init__(self, address: tuple[str, int]) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setblocking(False)
        try:
            self._sock.connect(address)
            self._sock.send(b"")
        except OSError:
            pass  # a send error shows up again, if it matters, in refused()

    def refused(self) -> bool:
        """Whether the port has refused the datagram so far."""
        try:
            self._sock.recv(1)
        except (ConnectionRefusedError, ConnectionResetError):
            return True
        except OSError:
            return False
        return False

    def __enter__(self) -> "PortProbe":
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def _check_port(port: int, what: str, allow_zero: bool = False) -> int:
    if not isinstance(port, int) or isinstance(port, bool) or not (0 if allow_zero else 1) <= port <= 65535:
        raise BridgeError(f"The {what} {port!r} is not a UDP port; use a number from 1 to 65535.")
    return port


def _check_route(address: str, bind_host: str, label: str) -> None:
    """A socket bound to loopback can neither reach nor hear another computer."""
    if ipaddress.IPv4Address(address).is_loopback or not _is_loopback(bind_host):
        return
    raise BridgeError(f"{label} is at {address}, another computer, but replies are heard on "
                      f"{bind_host} only; set \"bind_host\" to \"0.0.0.0\" (or this computer's "
                      "address) in the target preset.")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _bind(host: str, port: int, label: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BridgeError(
            f"Cannot listen for replies from {label} on {host}:{port}: {exc.strerror or exc}. "
            "Another program (another OSC client of the same host?) may hold the port; close it or "
            "change the reply port in the target preset.") from exc
    sock.settimeout(_POLL_S)
    return sock
