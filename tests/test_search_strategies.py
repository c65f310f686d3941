"""The strategy interface and registry: every registered strategy honours the contract; names and studies stay put."""
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cimsim.errors import UserError
from neuronas.search import SearchSettings, Strategy, get_strategy, register, strategy_names
from neuronas.search.candidate import Candidate
from neuronas.search.strategy import UNSCORED, make_strategy
from neuronas.space import get_op_set

# study names of the default command per strategy: a rerun must find the study of an earlier version
STUDY_NAMES = {"neuronas": "neuronas-digits-f011f2dcaf", "snasnet": "snasnet-digits-c384c29d5b",
               "random": "random-digits-5664001256", "evolution": "evolution-digits-ae55337d2c",
               "nsga2": "nsga2-digits-27912af06a"}
CONSTRAINED = {"neuronas": "neuronas-digits-ac42c63591", "nsga2": "nsga2-digits-75044dc42d"}


def test_registry_holds_the_published_strategies():
    assert set(STUDY_NAMES) <= set(strategy_names())
    assert list(strategy_names()) == sorted(strategy_names())


@pytest.mark.parametrize("name", strategy_names())
def test_every_strategy_honours_the_interface(name):
    cls = get_strategy(name)
    assert issubclass(cls, Strategy) and cls.name == name
    get_op_set(cls.default_ops)  # a known operation set
    assert cls.directions and set(cls.directions) <= {"maximize", "minimize"}
    s = SearchSettings(strategy=name, candidates=3, population=2)
    strategy = make_strategy(s)
    assert strategy.target_count() >= 1 and s.op_set == cls.default_ops
    scored = Candidate(genotype="g", score=1.5, energy_j=2e-6, feasible=True)
    unscored = Candidate(genotype="g")
    for c in (scored, unscored):
        values = strategy.values(c)
        assert len(values) == len(cls.directions) and all(math.isfinite(v) for v in values)
    assert strategy.values(scored)[0] == 1.5 and strategy.values(unscored)[0] == UNSCORED
    assert strategy.sampler(0) is not None


def test_study_names_do_not_move():
    for name, study in STUDY_NAMES.items():
        assert SearchSettings(strategy=name).study_name == study
    for name, study in CONSTRAINED.items():
        assert SearchSettings(strategy=name, constraints="memory=2e5").study_name == study


def test_default_operation_sets():
    assert {n: get_strategy(n).default_ops for n in STUDY_NAMES} == {
        "neuronas": "neuronas", "snasnet": "snasnet", "random": "snasnet", "evolution": "neuronas",
        "nsga2": "neuronas"}
    assert [n for n in STUDY_NAMES if get_strategy(n).indexed] == ["neuronas", "snasnet", "random"]


def test_unknown_strategy_is_a_user_error_naming_the_known_ones():
    with pytest.raises(UserError) as exc:
        SearchSettings(strategy="bayes")
    assert "unknown strategy 'bayes'" in str(exc.value)
    assert all(n in str(exc.value) for n in strategy_names())


def test_two_strategies_cannot_share_a_name():
    class Impostor(Strategy):
        name = "neuronas"

    with pytest.raises(TypeError, match="two strategies named 'neuronas'"):
        register(Impostor)
    assert get_strategy("neuronas") is not Impostor


def test_cli_lists_the_registry_without_importing_torch():
    code = ("import sys; import neuronas.cli; from neuronas.search import strategy_names; "
            "print('torch' in sys.modules, ' | '.join(strategy_names()))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "COLUMNS": "300"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    torch_loaded, names = out.strip().split(" ", 1)
    assert torch_loaded == "False"
    help_text = subprocess.run([sys.executable, "-m", "neuronas.cli", "search", "--help"], capture_output=True,
                               text=True, check=True, env=env).stdout
    assert names in help_text
