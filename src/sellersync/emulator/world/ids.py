"""Deterministic randomness and Amazon-shaped identifiers.

Every random choice of the world comes from a ``random.Random`` seeded by :func:`derive` over
(seed, purpose, ...) with SHA-256, never Python's salted ``hash()``. Identifiers that must be decoded
again (order ids carry their day) use a keyed affine bijection, so they look random but are unique.
"""

from __future__ import annotations

import hashlib
import random

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = DIGITS + UPPER
B62 = DIGITS + UPPER + "abcdefghijklmnopqrstuvwxyz"


def derive(seed: int, *parts: object) -> int:
    """A stable 64-bit integer from the seed and a purpose path."""
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def rng(seed: int, *parts: object) -> random.Random:
    return random.Random(derive(seed, *parts))


def _encode(n: int, alphabet: str, width: int) -> str:
    if alphabet is DIGITS:
        return f"{n:0{width}d}"
    base = len(alphabet)
    out = []
    for _ in range(width):
        n, r = divmod(n, base)
        out.append(alphabet[r])
    return "".join(reversed(out))


def _decode(text: str, alphabet: str) -> int:
    if alphabet is DIGITS:
        return int(text)
    base = len(alphabet)
    n = 0
    for ch in text:
        n = n * base + alphabet.index(ch)
    return n


class Scrambler:
    """A keyed bijection on [0, alphabet**width), written in ``alphabet``: an affine map, the digits
    reversed, a second affine map (so every output digit depends on every input digit)."""

    def __init__(self, seed: int, purpose: str, alphabet: str, width: int) -> None:
        self.alphabet = alphabet
        self.width = width
        self.modulus = len(alphabet) ** width
        r = rng(seed, "scrambler", purpose)
        self.a, self.b, self.a_inv = self._affine(r)
        self.c, self.d, self.c_inv = self._affine(r)

    def _affine(self, r: random.Random) -> tuple[int, int, int]:
        a = r.randrange(self.modulus // 3, self.modulus)
        while _gcd(a, self.modulus) != 1:
            a += 1
        return a, r.randrange(self.modulus), pow(a, -1, self.modulus)

    def _reverse(self, n: int) -> int:
        return _decode(_encode(n, self.alphabet, self.width)[::-1], self.alphabet)

    def encode(self, n: int) -> str:
        if not 0 <= n < self.modulus:
            raise ValueError(f"{n} out of range")
        x = self._reverse((self.a * n + self.b) % self.modulus)
        return _encode((self.c * x + self.d) % self.modulus, self.alphabet, self.width)

    def decode(self, text: str) -> int | None:
        if len(text) != self.width or any(c not in self.alphabet for c in text):
            return None
        x = self._reverse(((_decode(text, self.alphabet) - self.d) * self.c_inv) % self.modulus)
        return ((x - self.b) * self.a_inv) % self.modulus


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


class IdFactory:
    """All identifier formats of one world (one instance per world, shared by every generator)."""

    ORDERS_PER_DAY_LIMIT = 100_000

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._order = Scrambler(seed, "order", DIGITS, 14)
        self._item = Scrambler(seed, "order-item", DIGITS, 14)
        self._ship = Scrambler(seed, "customer-shipment", B62, 8)
        self._ship_item = Scrambler(seed, "customer-shipment-item", B62, 9)
        self._adj = Scrambler(seed, "adjustment", DIGITS, 10)
        self._reimb = Scrambler(seed, "reimbursement", DIGITS, 10)
        self._case = Scrambler(seed, "case", DIGITS, 11)
        self._refund = Scrambler(seed, "refund", DIGITS, 14)
        self._lpn = Scrambler(seed, "lpn", DIGITS, 8)
        self._inbound = Scrambler(seed, "inbound", ALNUM, 5)
        self._removal = Scrambler(seed, "removal", ALNUM, 10)
        self._track = Scrambler(seed, "tracking", DIGITS, 12)
        self._settlement = Scrambler(seed, "settlement", DIGITS, 10)

    # orders carry (day, sequence) so order_items(order_id) can find the day again
    def order_id(self, prefix: str, day: int, seq: int) -> str:
        digits = self._order.encode(day * self.ORDERS_PER_DAY_LIMIT + seq)
        return f"{prefix}-{digits[:7]}-{digits[7:]}"

    def order_day(self, order_id: str) -> tuple[int, int] | None:
        parts = order_id.split("-")
        if len(parts) != 3 or len(parts[0]) != 3 or len(parts[1]) != 7 or len(parts[2]) != 7:
            return None
        n = self._order.decode(parts[1] + parts[2])
        if n is None:
            return None
        return divmod(n, self.ORDERS_PER_DAY_LIMIT)

    def order_item_id(self, order_serial: int, index: int) -> str:
        return self._item.encode(order_serial * 4 + index)

    def customer_shipment_id(self, order_serial: int) -> str:
        return "D" + self._ship.encode(order_serial)

    def customer_shipment_item_id(self, order_serial: int, index: int) -> str:
        return "D" + self._ship_item.encode(order_serial * 4 + index)

    def adjustment_ref(self, n: int) -> str:
        return self._adj.encode(n)

    def reimbursement_id(self, n: int) -> str:
        return self._reimb.encode(n)

    def case_id(self, n: int) -> str:
        return self._case.encode(n)

    def refund_id(self, n: int) -> str:
        return self._refund.encode(n)

    def lpn(self, n: int) -> str:
        code = self._lpn.encode(n)
        return "LPN" + UPPER[int(code[0]) + 3] + UPPER[int(code[1]) + 10] + code

    def inbound_shipment_id(self, n: int) -> str:
        return "FBA15" + self._inbound.encode(n)

    def inbound_serial(self, shipment_id: str) -> int | None:
        if not shipment_id.startswith("FBA15"):
            return None
        return self._inbound.decode(shipment_id[5:])

    def removal_order_id(self, n: int) -> str:
        return self._removal.encode(n)

    def tracking(self, carrier: str, n: int) -> str:
        code = self._track.encode(n)
        if carrier == "UPS":
            return "1Z" + code[:6] + "03" + code[6:]
        return "TBA" + code

    def settlement_id(self, n: int) -> str:
        return "2" + self._settlement.encode(n)
