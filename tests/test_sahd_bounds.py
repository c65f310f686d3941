"""Cheap bounds before building a model: exact parameter count and a tile lower bound from genotype + macro."""
import numpy as np
import pytest
import torch

from cimsim.errors import UserError
from neuronas.data import spec
from neuronas.models import build
from neuronas.models.macro import default_config
from neuronas.quant import crossbar_parameters
from neuronas.search import SearchSettings
from neuronas.search.bounds import crossbar_layers, tile_lower_bound, weight_count
from neuronas.search.evaluate import Evaluator
from neuronas.space import sample


def _genotypes(n: int, seed: int, ops: str = "snasnet") -> list:
    rng = np.random.default_rng(seed)
    return [sample(rng, ops).canonical() for _ in range(n)]


@pytest.mark.parametrize("dataset,channels", [("digits", 16), ("cifar10", 32), ("cifar100", 8), ("tinyimagenet", 8)])
def test_layers_are_the_models_crossbar_layers(dataset, channels):
    sp = spec(dataset)
    macro = default_config(sp, channels)
    for g in _genotypes(25, seed=channels):
        with torch.device("meta"):
            model = build(g, sp, config=macro)
        shapes = [(m.weight[0].numel(), m.weight.shape[0]) for m in model.modules()
                  if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        assert crossbar_layers(g, sp, macro) == shapes, str(g)
        assert weight_count(crossbar_layers(g, sp, macro)) == crossbar_parameters(model)


def _full_check(ev: Evaluator, g) -> tuple[bool, int]:
    """The mapping stage done in full: (fits, tiles used; 0 when it does not fit)."""
    from cimsim.mapping import map_graph
    from neuronas.export import export
    from neuronas.quant import quantize

    images, _ = ev.hw_images
    deploy = quantize(ev.build(g), ev.settings.weight_bits, calibration=images)
    try:
        return True, map_graph(export(deploy, images[:1], ev.settings.timesteps), ev.chip).tiles_used
    except UserError:
        return False, 0


@pytest.mark.parametrize("hw,overrides", [("spikesim_rram_65nm", {"tiles": 9}),
                                          ("neurosim_rram_22nm", {"tiles": 7}), ("isaac_rram_32nm", {"tiles": 7})])
def test_tile_bound_never_rejects_what_the_full_check_accepts(tmp_path, hw, overrides):
    s = SearchSettings(dataset="digits", channels=16, hidden=64, score_batch=8, hw_samples=1, timesteps=2,
                       hw=hw, hw_overrides=overrides, out=str(tmp_path), progress=False, figures=False, threads=1)
    ev = Evaluator(s, cache_dir=None)
    fits_seen, rejected = set(), 0
    for g in _genotypes(12, seed=len(hw)):
        bound = ev.tile_bound(g)
        fits, used = _full_check(ev, g)
        fits_seen.add(fits)
        if fits:
            assert bound["tiles"] <= used <= ev.chip.tiles, str(g)
            assert bound["area_m2"] <= used * ev._tile_area_m2 * (1 + 1e-12)
        rejected += bound["tiles"] > ev.chip.tiles
        assert not (bound["tiles"] > ev.chip.tiles and fits)
    assert True in fits_seen and rejected > 0  # both sides of the budget are exercised


def test_hardware_rejects_on_the_bound_without_building(tmp_path, monkeypatch):
    s = SearchSettings(dataset="digits", channels=16, hidden=64, hw_samples=1, timesteps=2, hw_overrides={"tiles": 2},
                       constraints="area=1e-6mm2", out=str(tmp_path), progress=False, figures=False, threads=1)
    ev = Evaluator(s, cache_dir=None)

    def no_build(*args, **kwargs):
        raise AssertionError("a model was built")

    monkeypatch.setattr(ev, "build", no_build)
    g = _genotypes(1, seed=0)[0]
    res = ev.hardware(g)
    assert res["stage"] == "mapping" and res["failed"]
    assert ev.tile_bound(g)["tiles"] >= 1


def test_memory_is_counted_without_a_model(tmp_path):
    s = SearchSettings(dataset="digits", channels=16, hidden=64, out=str(tmp_path), progress=False, figures=False)
    ev = Evaluator(s, cache_dir=None)
    for g in _genotypes(10, seed=3):
        model = build(g, spec("digits"), config=ev.macro)
        assert ev.memory(g) == {"params": float(crossbar_parameters(model)),
                                "memory_bytes": float(crossbar_parameters(model))}  # 8-bit weights


@pytest.mark.parametrize("share,analog,tiles", [(True, False, 2), (False, False, 3), (False, True, 2)])
def test_lower_bound_counts_slices_sign_columns_and_tile_policy(share, analog, tiles):
    from types import SimpleNamespace as NS

    chip = NS(crossbar=NS(rows=4, cols=8, bits_per_cell=2, signed="differential"), weight_bits=8,
              pe=NS(crossbars=2, analog_sum=analog), tile=NS(pes=3), run=NS(mapping=NS(share_tiles=share)))
    # 8-bit differential: 7 magnitude bits over 2-bit cells = 4 slices x 2 signs = 8 columns, 1 output per crossbar;
    # [8 rows, 5 outputs] -> 2 x 5 = 10 crossbars -> 5 PEs -> 2 tiles; [4, 1] -> 1 PE; shared tiles hold all 6 PEs,
    # own tiles need 2 + 1; with an analog sum [12, 1] is 3 row blocks of one column block -> 2 PEs, [4, 3] is 3
    # column blocks -> 3 PEs, in 1 + 1 own tiles
    layers = [(8, 5), (4, 1)] if not analog else [(12, 1), (4, 3)]
    assert tile_lower_bound(layers, chip, 8) == tiles
