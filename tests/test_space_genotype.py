"""Genotype string/matrix round trips, validity, canonical form, enumeration and sampling."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from cimsim.errors import UserError
from neuronas.space import OPS, PRUNED_OPS, Edge, Genotype, enumerate_space, get_op_set, sample, space_size

SNASNET_EXAMPLE = "0303 0030 2002 0200"


def test_snasnet_example_matrix():
    g = Genotype.parse(SNASNET_EXAMPLE)
    assert str(g) == "conv3x3~0|conv1x1<0,conv3x3~1|conv3x3~0,conv1x1<1,conv1x1~2"
    assert set(g.edges) == {
        Edge(0, 1, "conv3x3", 0), Edge(1, 2, "conv3x3", 0), Edge(0, 3, "conv3x3", 0), Edge(2, 3, "conv1x1", 0),
        Edge(2, 0, "conv1x1", 1), Edge(3, 1, "conv1x1", 1),
    }
    assert g.matrix_string() == SNASNET_EXAMPLE
    assert Genotype.from_matrix(g.to_matrix()) == g
    assert g.is_valid() and g.has_backward
    # the README's pretrained CIFAR-100 cell
    g2 = Genotype.from_matrix("0302 0030 3003 0000")
    assert str(g2) == "conv3x3~0|conv3x3<0,conv3x3~1|conv1x1~0,zeroize~1,conv3x3~2"


def test_forward_and_backward_edge_conventions():
    g = Genotype.parse("skip~0|zeroize~0,conv1x1<1|zeroize~0,zeroize~1,avgpool3x3~2")
    assert g.edges == [Edge(0, 1, "skip", 0), Edge(2, 1, "conv1x1", 1), Edge(2, 3, "avgpool3x3", 0)]
    m = g.to_matrix()
    assert m[0, 1] == 1 and m[2, 1] == 2 and m[2, 3] == 4 and m.sum() == 7
    # node 2 receives nothing, so 1 -> 3 is unreachable
    assert not g.is_valid()


@pytest.mark.parametrize("seed", range(20))
def test_string_and_matrix_round_trip(seed):
    g = sample(seed)
    assert Genotype.parse(str(g)) == g
    assert Genotype.from_matrix(g.matrix_string()) == g
    assert g.is_valid()
    assert Genotype.parse(f"  |{str(g).replace(',', ', ')}|  ") == g


def test_zeroize_direction_is_normalised():
    g = Genotype(("zeroize",) * 5 + ("skip",), (True,) * 6)
    assert g.backward == (False,) * 5 + (True,)
    assert "zeroize<" not in str(g) and Genotype.parse(str(g).replace("zeroize~0", "zeroize<0", 1)) == g


@pytest.mark.parametrize(
    "text,match",
    [
        ("conv3x3~0|skip~0", "groups"),
        ("conv3x3~0|skip~0|skip~0,skip~1,skip~2", "group 2"),
        ("conv9x9~0|skip~0,skip~1|skip~0,skip~1,skip~2", "unknown operation 'conv9x9'"),
        ("conv3x3~1|skip~0,skip~1|skip~0,skip~1,skip~2", "names node 1"),
        ("conv3x3>0|skip~0,skip~1|skip~0,skip~1,skip~2", "op~i"),
        ("0303 0030 2302 0200", "both a forward op"),
        ("0303 0030 2002 0205", "op ids"),
        ("1303 0030 2002 0200", "diagonal"),
    ],
)
def test_parse_errors_are_user_errors(text, match):
    with pytest.raises(UserError, match=match):
        Genotype.parse(text)


def test_validity_through_backward_edges():
    # input reaches node 3 only via 0 -> 2 -> (backward) ... no: use 0 -> 3 absent, 0->2 fwd, 2->3 fwd
    assert Genotype.parse("zeroize~0|skip~0,zeroize~1|zeroize~0,zeroize~1,skip~2").is_valid()
    # node 1 reached from node 3 through a backward edge is fine; node 3 must be reached from 0
    g = Genotype.parse("zeroize~0|zeroize~0,zeroize~1|conv3x3~0,skip<1,zeroize~2")
    assert g.is_valid()
    assert not Genotype.parse("zeroize~0|zeroize~0,zeroize~1|zeroize~0,skip<1,zeroize~2").is_valid()
    assert not Genotype(("zeroize",) * 6).is_valid()


def test_pruned_removes_dead_edges():
    # node 1 never sees the input (0-1 zero) but feeds node 3; node 2 sees the input but does not reach node 3
    g = Genotype.parse("zeroize~0|skip~0,zeroize~1|conv3x3~0,conv1x1~1,zeroize~2")
    assert str(g.pruned()) == "zeroize~0|zeroize~0,zeroize~1|conv3x3~0,zeroize~1,zeroize~2"
    # a backward edge 3 -> 1 gives node 1 (and through it node 2) the input of the previous timestep
    live = Genotype.parse("zeroize~0|zeroize~0,skip~1|conv3x3~0,conv1x1<1,conv1x1~2")
    assert live.pruned() == live
    # ... but into a node that feeds nothing, the backward edge is dead
    dead = Genotype.parse("zeroize~0|zeroize~0,zeroize~1|conv3x3~0,conv1x1<1,zeroize~2")
    assert str(dead.pruned()) == "zeroize~0|zeroize~0,zeroize~1|conv3x3~0,zeroize~1,zeroize~2"


def test_canonical_swaps_intermediate_nodes_only_when_independent():
    a = Genotype.parse("conv3x3~0|skip~0,zeroize~1|zeroize~0,conv1x1~1,conv3x3~2")
    b = Genotype.parse("skip~0|conv3x3~0,zeroize~1|zeroize~0,conv3x3~1,conv1x1~2")
    assert a != b and a.canonical() == b.canonical()
    assert str(a.canonical()) == min(str(a), str(b))
    # with a 1 -> 2 edge the swap is not an isomorphism
    c = Genotype.parse("conv3x3~0|skip~0,skip~1|zeroize~0,conv1x1~1,conv3x3~2")
    d = Genotype.parse("skip~0|conv3x3~0,skip~1|zeroize~0,conv3x3~1,conv1x1~2")
    assert c.canonical() == c and d.canonical() == d and c.canonical() != d.canonical()
    # backward edges are relabelled with their nodes
    e = Genotype.parse("conv3x3<0|skip~0,zeroize~1|skip~0,conv1x1~1,conv3x3<2")
    f = e.relabelled((0, 2, 1, 3))
    assert str(f) == "skip~0|conv3x3<0,zeroize~1|skip~0,conv3x3<1,conv1x1~2"
    assert e.canonical() == f.canonical()


def test_canonical_is_idempotent_and_class_invariant():
    rng = np.random.default_rng(3)
    for _ in range(200):
        g = sample(rng)
        c = g.canonical()
        assert c.canonical() == c and c.is_valid()
        if g.pair(1, 2)[0] == "zeroize":
            assert g.relabelled((0, 2, 1, 3)).canonical() == c


def _brute_force(ops, backward):
    nonzero = [o for o in ops if o != "zeroize"]
    states = [("zeroize", False)] + [(o, False) for o in nonzero] + ([(o, True) for o in nonzero] if backward else [])
    valid = [Genotype(tuple(s[0] for s in c), tuple(s[1] for s in c)) for c in itertools.product(states, repeat=6)]
    return [g for g in valid if g.is_valid()]


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("ops", [("zeroize", "skip"), ("zeroize", "skip", "conv3x3")])
def test_enumeration_matches_brute_force(ops, backward):
    brute = _brute_force(ops, backward)
    listed = list(enumerate_space(ops, backward))
    assert len(listed) == len(set(listed)) == len(brute) == space_size(ops, backward)
    assert set(listed) == set(brute)
    classes = {g.canonical() for g in brute}
    uniq = list(enumerate_space(ops, backward, unique=True))
    assert set(uniq) == classes and len(uniq) == len(classes) == space_size(ops, backward, unique=True)


def test_space_sizes_of_named_sets():
    # forward cells: 5^6 assignments minus those whose output is unreachable
    assert space_size(OPS, backward=False) == 15284
    assert space_size("neuronas", backward=False) == 3927
    assert space_size(OPS) == 357316 and space_size(PRUNED_OPS) == 76305
    assert space_size(PRUNED_OPS) < space_size(OPS)
    assert get_op_set("neuronas") == PRUNED_OPS and "avgpool3x3" not in PRUNED_OPS
    with pytest.raises(UserError, match="unknown operation set"):
        get_op_set("darts")


def test_sample_is_seeded_uniform_and_respects_ops():
    a = [sample(np.random.default_rng(5)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = np.random.default_rng(0)
    gs = [sample(rng, "neuronas", backward=False) for _ in range(300)]
    assert all(g.is_valid() and not g.has_backward and "avgpool3x3" not in g.ops for g in gs)
    # uniform over valid genotypes: the share of a feature matches its share in the enumerated space
    ops = ("zeroize", "skip", "conv3x3")
    space = list(enumerate_space(ops, backward=True))
    feature = lambda g: g.pair(0, 3) == ("conv3x3", False) and g.has_backward
    exact = np.mean([feature(g) for g in space])
    rng = np.random.default_rng(1)
    n = 4000
    got = np.mean([feature(sample(rng, ops)) for _ in range(n)])
    assert abs(got - exact) < 4 * np.sqrt(exact * (1 - exact) / n)
