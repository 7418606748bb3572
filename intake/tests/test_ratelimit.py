"""The per-client token bucket on POST /api/v1/referrals, on a clock the test moves by hand."""

import pytest

from intake.ratelimit import RateLimiter, client_key


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_allowance_then_waits_for_a_token():
    clock = Ticks()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.allow("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.allow("a") == pytest.approx(20.0)
    clock.now += 20
    assert limiter.allow("a") == 0.0


def test_clients_have_separate_buckets():
    limiter = RateLimiter(1, clock=Ticks())
    assert limiter.allow("a") == 0.0
    assert limiter.allow("a") > 0
    assert limiter.allow("b") == 0.0


def test_other_clients_arriving_do_not_let_a_limited_client_off():
    """When the table is full, buckets that have refilled go first (forgetting them changes
    nothing); the client being limited keeps its nearly empty bucket. (The old table was cleared
    outright when full, handing every limited client a fresh allowance.)"""
    clock = Ticks()
    limiter = RateLimiter(60, clock=clock, max_clients=3)
    for _ in range(60):
        assert limiter.allow("attacker") == 0.0
    assert limiter.allow("attacker") > 0
    for n in range(10):  # ten other clients, one a second: each has refilled by the next
        clock.now += 1.0
        assert limiter.allow(f"other-{n}") == 0.0
    # Ten seconds on, the attacker has earned ten tokens back, not a fresh sixty.
    assert [limiter.allow("attacker") == 0.0 for _ in range(11)] == [True] * 10 + [False]


def test_the_table_of_clients_stays_bounded():
    clock = Ticks()
    limiter = RateLimiter(60, clock=clock, max_clients=5)
    for n in range(50):
        limiter.allow(f"c{n}")
    assert len(limiter._buckets) <= 5


def test_a_limit_of_zero_is_off():
    limiter = RateLimiter(0, clock=Ticks())
    assert all(limiter.allow("a") == 0.0 for _ in range(1000))


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.44", "192.0.2.44"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.44", "192.0.2.44"),
        ("", "unknown"),
        (None, "unknown"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_slash_64(address, key):
    """One subscriber routinely holds a whole /64: counting each address separately would give
    them 2**64 allowances."""
    assert client_key(address) == key
