"""--select: the best of the trained top-k by on-chip accuracy (default), ideal-ADC accuracy or score."""
import pytest

from cimsim.errors import UserError
from neuronas.search import finalize
from neuronas.search.candidate import Candidate
from neuronas.search.settings import SearchSettings

# genotype -> (score, torch accuracy, on-chip accuracy, ideal-ADC accuracy): each rule picks another candidate
NUMBERS = {"a": (3.0, 0.90, 0.70, 0.95), "b": (2.0, 0.92, 0.90, 0.91), "c": (1.0, 0.80, 0.85, 0.97)}


@pytest.fixture
def scored(monkeypatch, tmp_path):
    monkeypatch.setattr(finalize, "train_candidate",
                        lambda s, ev, g: {"accuracy": NUMBERS[g][1], "checkpoint": str(tmp_path / g)})
    monkeypatch.setattr(finalize, "onchip_accuracy",
                        lambda s, ev, g, ckpt: {"accuracy": NUMBERS[g][2], "std": 0.0, "ideal_accuracy": NUMBERS[g][3]})
    return [Candidate(genotype=g, score=v[0], feasible=True) for g, v in NUMBERS.items()]


@pytest.mark.parametrize("rule, expected", [("onchip", "b"), ("ideal", "c"), ("score", "a")])
def test_select_rule_chooses_the_best(scored, tmp_path, rule, expected):
    s = SearchSettings(top_k=3, train_epochs=2, select=rule, out=str(tmp_path))
    top, best, trained = finalize.choose_best(s, None, scored)
    assert best.genotype == expected
    assert [c.onchip_accuracy for c in top] == [0.70, 0.90, 0.85]
    assert [c.ideal_accuracy for c in top] == [0.95, 0.91, 0.97]
    assert set(trained) == set(NUMBERS)


def test_default_is_onchip_and_bad_rules_are_refused(tmp_path):
    assert SearchSettings(out=str(tmp_path)).select == "onchip"
    with pytest.raises(UserError, match="select"):
        SearchSettings(select="fastest", out=str(tmp_path))
    with pytest.raises(UserError, match="chips"):
        SearchSettings(chips=0, out=str(tmp_path))
    with pytest.raises(UserError, match="hw-epochs"):
        SearchSettings(train_epochs=2, hw_epochs=3, out=str(tmp_path))
    # selection and scoring settings do not change which candidates a study evaluates
    assert SearchSettings(select="ideal", chips=4).study_name == SearchSettings().study_name


def test_cli_passes_select(monkeypatch, tmp_path):
    import neuronas.search as search_pkg
    from neuronas.cli import main

    seen = {}

    def fake_run(settings, resume=False, force=False):
        seen["settings"] = settings
        raise SystemExit(0)

    monkeypatch.setattr(search_pkg, "run_search", fake_run)
    with pytest.raises(SystemExit):
        main(["search", "--dataset", "digits", "--select", "ideal", "--chips", "3", "--out", str(tmp_path / "o")])
    assert seen["settings"].select == "ideal" and seen["settings"].chips == 3
