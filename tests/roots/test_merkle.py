"""The Merkle tree agrees with RFC 6962's reference vectors (the ones Certificate Transparency's and
Trillian's tests use), and every proof it makes verifies while a changed leaf never does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.roots import merkle

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def test_empty_tree_and_roots_match_rfc_6962():
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert [merkle.root(HASHES[:n]).hex() for n in range(1, 9)] == ROOTS


def test_inclusion_proofs_match_rfc_6962():
    for index, size, path in INCLUSION:
        proof = merkle.inclusion_proof(index, HASHES[:size])
        assert [p.hex() for p in proof] == path, (index, size)
        assert merkle.verify_inclusion(index, size, HASHES[index], proof, bytes.fromhex(ROOTS[size - 1]))


def test_consistency_proofs_match_rfc_6962():
    for m, n, path in CONSISTENCY:
        proof = merkle.consistency_proof(m, HASHES[:n])
        assert [p.hex() for p in proof] == path, (m, n)
        assert merkle.verify_consistency(m, n, bytes.fromhex(ROOTS[m - 1]), bytes.fromhex(ROOTS[n - 1]), proof)


def test_wrong_sizes_and_roots_fail():
    root8 = bytes.fromhex(ROOTS[7])
    proof = merkle.inclusion_proof(5, HASHES)
    assert not merkle.verify_inclusion(5, 6, HASHES[5], proof, root8)
    assert not merkle.verify_inclusion(8, 8, HASHES[5], proof, root8)
    assert not merkle.verify_inclusion(4, 8, HASHES[5], proof, root8)
    c = merkle.consistency_proof(6, HASHES)
    assert not merkle.verify_consistency(6, 8, bytes.fromhex(ROOTS[4]), root8, c)
    assert not merkle.verify_consistency(5, 8, bytes.fromhex(ROOTS[5]), root8, c)
    assert not merkle.verify_consistency(0, 8, b"", root8, [])


@settings(max_examples=60, deadline=None)
@given(leaves=st.lists(st.binary(max_size=12), min_size=1, max_size=40), data=st.data())
def test_every_proof_verifies_and_a_changed_leaf_fails(leaves, data):
    hashes = [merkle.leaf_hash(x) for x in leaves]
    n = len(hashes)
    root = merkle.root(hashes)
    for i in range(n):
        assert merkle.verify_inclusion(i, n, hashes[i], merkle.inclusion_proof(i, hashes), root)
    m = data.draw(st.integers(1, n), label="old size")
    old = merkle.root(hashes[:m])
    assert merkle.verify_consistency(m, n, old, root, merkle.consistency_proof(m, hashes))
    # change one leaf: its own proof fails, and so does consistency when the leaf is in the old tree
    j = data.draw(st.integers(0, n - 1), label="changed leaf")
    changed = [*hashes]
    changed[j] = merkle.leaf_hash(leaves[j] + b"x")
    assert not merkle.verify_inclusion(j, n, changed[j], merkle.inclusion_proof(j, changed), root)
    if j < m:
        assert not merkle.verify_consistency(m, n, old, merkle.root(changed), merkle.consistency_proof(m, changed))


@given(leaves=st.lists(st.binary(max_size=4), min_size=1, max_size=70), data=st.data())
@settings(max_examples=60)
def test_a_tree_grown_piece_by_piece_proves_as_the_straightforward_construction(leaves, data):
    """The statement's proofs come from one tree per process, extended as heads are published:
    every root and proof of a grown tree equals RFC 6962's recursive construction over the leaves."""
    hashes = [merkle.leaf_hash(x) for x in leaves]
    tree, done = merkle.Tree([]), 0
    while done < len(hashes):
        step = data.draw(st.integers(1, len(hashes) - done))
        tree.extend(hashes[done:done + step])
        done += step
        assert tree.size == done and tree.root() == merkle.root(hashes[:done])
    for size in range(1, len(hashes) + 1):
        assert tree.root(size) == merkle.root(hashes[:size])
        for index in range(size):
            assert tree.inclusion_proof(index, size) == merkle.inclusion_proof(index, hashes[:size])
        first = data.draw(st.integers(1, size))
        assert tree.consistency_proof(first, size) == merkle.consistency_proof(first, hashes[:size])
