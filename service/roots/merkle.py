"""A Merkle tree as RFC 6962 / RFC 9162 define it (Certificate Transparency), so standard tools agree.

Leaf hash: SHA-256(0x00 || leaf); node hash: SHA-256(0x01 || left || right). The tree over n leaves
splits at k, the largest power of two below n. Inclusion and consistency proofs and their
verification follow RFC 9162 sections 2.1.3 and 2.1.4. Pure functions over bytes: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash over leaf hashes (iterative: pair neighbours level by level, an odd last node
    is carried up, which gives the same tree as RFC 6962's recursive split)."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_proof(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1 for the leaf at `index` among `hashes`."""
    n = len(hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, hashes[:k]), root(hashes[k:])]
    return [*inclusion_proof(index - k, hashes[k:]), root(hashes[:k])]


def consistency_proof(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2: the first m leaves are a prefix of these n."""
    n = len(hashes)
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    return _subproof(m, hashes, True)


def _subproof(m: int, hashes: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if whole else [root(hashes)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], whole), root(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], False), root(hashes[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: recompute the root from a leaf hash and its audit path."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(m: int, n: int, first: bytes, second: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: the tree of size m with root `first` is a prefix of the tree of size n."""
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and first == second
    path = list(proof)
    if m & (m - 1) == 0:  # m is a power of two: the old root is the first node of the proof
        path = [first, *path]
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first and sr == second and sn == 0


class Tree:
    """A tree with every perfect subtree's hash kept (about 2n hashes), so that proofs take O(log² n)
    lookups instead of rehashing the log: level k holds the hashes of the aligned runs of 2**k leaves."""

    def __init__(self, hashes: Sequence[bytes]) -> None:
        self.size = 0
        self.levels: list[list[bytes]] = [[]]
        self.extend(hashes)

    def extend(self, hashes: Sequence[bytes]) -> None:
        """Append leaves. A perfect subtree's hash never changes once its last leaf is in, so only
        the new ones are hashed (and only appended: a proof being read meanwhile stays right)."""
        self.levels[0].extend(hashes)
        level = 0
        while len(self.levels[level]) > 1:
            if level + 1 == len(self.levels):
                self.levels.append([])
            below, above = self.levels[level], self.levels[level + 1]
            above.extend(node_hash(below[i], below[i + 1]) for i in range(2 * len(above), len(below) - 1, 2))
            level += 1
        self.size = len(self.levels[0])

    def _mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]), `start` aligned as RFC 6962's recursion leaves it."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0:  # a perfect subtree: stored
            return self.levels[n.bit_length() - 1][start >> (n.bit_length() - 1)]
        k = _split(n)
        return node_hash(self._mth(start, start + k), self._mth(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self._mth(0, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        if not 0 <= index < size <= self.size:
            raise ValueError(f"leaf {index} is not in a tree of size {size}")
        out: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                out.append(self._mth(start + k, end))
                end = start + k
            else:
                out.append(self._mth(start, start + k))
                start += k
        return out[::-1]

    def consistency_proof(self, m: int, size: int) -> list[bytes]:
        if not 0 < m <= size <= self.size:
            raise ValueError(f"no consistency proof from size {m} to size {size}")
        out: list[bytes] = []
        start, end, whole = 0, size, True
        while True:
            n = end - start
            if m == n:
                if not whole:
                    out.append(self._mth(start, end))
                break
            k = _split(n)
            if m <= k:
                out.append(self._mth(start + k, end))
                end = start + k
            else:
                out.append(self._mth(start, start + k))
                start, m, whole = start + k, m - k, False
        return out[::-1]
