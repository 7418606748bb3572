"""In-process rate limiting for the public write path: a token bucket per client.

The client key (the peer address; for IPv6 its /64 network, since one subscriber is routinely
given a whole /64) lives only in this process's memory and is never logged.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable


def client_key(address: str | None) -> str:
    """The bucket a peer address counts against: the address itself, or its IPv6 /64."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ):
        self.per_minute = per_minute
        self.clock = clock
        self.max_clients = max_clients
        # client -> (tokens, last seen), least recently seen first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def allow(self, client: str) -> float:
        """0.0 when the request may go ahead, else the seconds to wait before trying again."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        rate = self.per_minute / 60.0
        tokens, last = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._remember(client, (tokens - 1.0, now), now)
            return 0.0
        self._remember(client, (tokens, now), now)
        return (1.0 - tokens) / rate

    def _remember(self, client: str, bucket: tuple[float, float], now: float) -> None:
        if client not in self._buckets and len(self._buckets) >= self.max_clients:
            self._make_room(now)
        self._buckets[client] = bucket
        self._buckets.move_to_end(client)

    def _make_room(self, now: float) -> None:
        """Forget buckets that have refilled (forgetting them changes nothing) and, only if that
        is not enough, the least recently seen one. A client being limited is never let off by
        other clients arriving, unless more than `max_clients` are still draining at once."""
        rate = self.per_minute / 60.0
        full = [
            client
            for client, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * rate >= self.per_minute
        ]
        for client in full:
            del self._buckets[client]
        while len(self._buckets) >= self.max_clients:
            self._buckets.popitem(last=False)
