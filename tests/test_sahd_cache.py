"""SAHD cache by canonical genotype: equivalent encodings share one key and one score; a hit costs nothing."""
import numpy as np

from neuronas.search import SearchSettings
from neuronas.search.evaluate import Evaluator
from neuronas.space import Genotype, sample

BASE = "conv3x3~0|conv1x1~0,zeroize~1|skip~0,conv1x1~1,conv3x3~2"
EQUIVALENT = [
    BASE,
    # nodes 1 and 2 swapped (the pair (1, 2) is zeroize, so the swap keeps every edge forward)
    "conv1x1~0|conv3x3~0,zeroize~1|skip~0,conv3x3~1,conv1x1~2",
    # a zeroize pair written backward
    "conv3x3~0|conv1x1~0,zeroize<1|skip~0,conv1x1~1,conv3x3~2",
    # the connection-matrix form of BASE
    str(Genotype.parse(BASE).matrix_string()),
]
DIFFERENT = [
    "conv3x3~0|conv1x1~0,zeroize~1|skip~0,conv1x1~1,conv1x1~2",  # another op
    "conv3x3~0|conv1x1~0,zeroize~1|skip<0,conv1x1~1,conv3x3~2",  # another direction (3 -> 0, delayed)
    "conv3x3~0|conv1x1~0,skip~1|skip~0,conv1x1~1,conv3x3~2",  # a live edge more
]


def _key(g) -> str:
    return str(Genotype.parse(g).canonical())


def test_equivalent_encodings_share_one_key():
    assert len({_key(g) for g in EQUIVALENT}) == 1


def test_dead_edges_do_not_change_the_key():
    # node 1 never reaches the output: its edges are dead whatever they are
    a = "conv3x3~0|zeroize~0,zeroize~1|skip~0,zeroize~1,zeroize~2"
    b = "conv1x1~0|zeroize~0,avgpool3x3~1|skip~0,zeroize~1,zeroize~2"
    assert _key(a) == _key(b) == _key("zeroize~0|zeroize~0,zeroize~1|skip~0,zeroize~1,zeroize~2")


def test_different_cells_get_different_keys():
    keys = {_key(g) for g in [BASE] + DIFFERENT}
    assert len(keys) == len(DIFFERENT) + 1


def test_keys_are_stable_and_distinct_over_random_cells():
    rng = np.random.default_rng(0)
    cells = [sample(rng, "snasnet") for _ in range(200)]
    for g in cells:
        c = g.canonical()
        assert c.canonical() == c and str(Genotype.parse(str(c))) == str(c)
        assert Genotype.parse(g.matrix_string()).canonical() == c
        assert c.relabelled((0, 2, 1, 3)).canonical() == c if c.pair(1, 2)[0] == "zeroize" else True


def test_equivalent_genotype_is_a_free_cache_hit(tmp_path):
    s = SearchSettings(dataset="digits", channels=4, hidden=16, score_batch=8, out=str(tmp_path), progress=False,
                       figures=False, threads=1)
    ev = Evaluator(s, cache_dir=None)
    first, t_first = ev.score(EQUIVALENT[0])
    assert t_first > 0
    for g in EQUIVALENT[1:]:
        assert ev.score(g) == (first, 0.0)
    other, t_other = ev.score(DIFFERENT[0])
    assert t_other > 0 and other != first
