"""NeuroSim's floorplan rule (cimsim.mapping.neurosim) and the ``mapping.granularity: neurosim`` policy."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cimsim.errors import UserError
from cimsim.mapping import map_graph, neurosim_layout
from cimsim.mapping.neurosim import LayerShape, kernel_pes, neurosim_plan
from cimsim.validate.neurosim_grid import load_reference
from tests.conftest import make_chip

#: VGG-8 as NeuroSim's NetWork_VGG8.csv: (Cin, kernel positions, Cout); pipeline speed-up 16, 16, 4, 4, 1, 1, 1, 1.
VGG8 = ((3, 9, 128), (128, 9, 128), (128, 9, 256), (256, 9, 256), (256, 9, 512), (512, 9, 512), (8192, 1, 1024),
        (1024, 1, 10))
SPEED_UP = (16, 16, 4, 4, 1, 1, 1, 1)


def _vgg8(cells_per_weight: int) -> dict[str, LayerShape]:
    return {f"layer{i + 1}": LayerShape(cin, kk, cout * cells_per_weight, s)
            for i, ((cin, kk, cout), s) in enumerate(zip(VGG8, SPEED_UP))}


@pytest.mark.parametrize("point", [p["name"] for p in load_reference()["points"]])
def test_plan_reproduces_neurosim_floorplans(point):
    """Every point of the stored grid: the tile and PE sizes, tiles and copies per layer NeuroSim printed."""
    p = next(q for q in load_reference()["points"] if q["name"] == point)
    cfg, fp = p["config"], p["results"]["floorplan"]
    plan = neurosim_plan(_vgg8(math.ceil(8 / cfg["cell_bits"])), cfg["subarray_rows"], cfg["subarray_cols"])
    assert [q.tiles for q in plan.layers.values()] == [int(t) for t in fp["tiles_per_layer"]]
    assert [q.copies for q in plan.layers.values()] == [int(c) for c in fp["speedup_per_layer"]]
    assert f"{plan.tile_cm}x{plan.tile_cm}" == fp["tile_storage_conventional"]
    assert f"{plan.pe_cm}x{plan.pe_cm}" == fp["pe_storage_conventional"]
    assert f"{plan.pes_nm}x{plan.pe_nm}x{plan.pe_nm}" == fp["tile_storage_novel"]


def test_plan_counts_every_slot_of_the_tiles():
    """128x128: 9472 subarrays (conv5 gets a free second copy, fc2 eight); 256x256: half-empty novel PEs (Cin 128
    in 256-row subarrays) and 3456 slots, 46% more array than at 128 for the same weights."""
    plan = neurosim_plan(_vgg8(8), 128, 128)
    assert plan.subarrays == 9472
    assert [q.novel for q in plan.layers.values()] == [False] + [True] * 5 + [False] * 2
    big = neurosim_plan(_vgg8(8), 256, 256)
    assert big.subarrays == 3456 and big.subarrays * 4 / plan.subarrays == pytest.approx(1.459, abs=1e-3)
    assert big.layers["layer2"].row_blocks == 9  # one subarray row per kernel position, 128 of its 256 rows used


def test_kernel_pes_is_the_most_shared_kernel():
    shapes = [LayerShape(3, 9, 8), LayerShape(8, 25, 8), LayerShape(8, 25, 8), LayerShape(8, 9, 8),
              LayerShape(64, 1, 8)]
    assert kernel_pes(shapes) == 9  # a tie: the first layer's kernel reaches the count first
    assert kernel_pes(shapes + [LayerShape(8, 25, 8)]) == 25
    assert kernel_pes([LayerShape(64, 1, 8)]) == 1
    with pytest.raises(UserError):
        neurosim_plan({}, 128, 128)


def _graph():
    from cimsim.validate.workloads import vgg_variant

    return vgg_variant("vgg8", seed=0, weight_bits=8, max_pool=True, drop_fc=False)


def _neurosim_chip(xbar: int, **changes):
    from cimsim.api import resolve_chip

    return resolve_chip("neurosim_rram_22nm", {"tiles": 1024, "variables.xbar": xbar, **changes})


@pytest.mark.parametrize("xbar", [128, 256])
def test_granularity_takes_neurosim_copies_and_slots(xbar):
    """The mapper places NeuroSim's copies and occupies at least NeuroSim's subarray slots (rounded up to whole
    PEs and tiles of the chip); the packed policy keeps fewer."""
    g = _graph()
    chip = _neurosim_chip(xbar)
    assert chip.run.mapping.granularity == "neurosim"
    plan = neurosim_layout(g, chip)
    m = map_graph(g, chip)
    assert [lm.copies for lm in m.layers.values()] == [q.copies for q in plan.layers.values()]
    slots = chip.pe.crossbars * chip.tile.pes * m.tiles_used
    assert plan.subarrays <= slots < plan.subarrays + len(m.layers) * chip.pe.crossbars * chip.tile.pes
    packed = map_graph(g, _neurosim_chip(xbar, **{"mapping.granularity": "packed"}))
    assert packed.tiles_used < m.tiles_used
    if xbar == 128:
        assert slots == 9472 and m.crossbars_used == 9472


def test_novel_rows_are_kernel_positions_padded_to_the_subarray():
    """A novel layer's row blocks hold one kernel position's channels each, empty rows as -1, every row once."""
    g = _graph()
    m = map_graph(g, _neurosim_chip(256))
    lm = m.layers[m.order[1]]  # Cin 128, 3x3: nine blocks of 128 channels in 256-row subarrays
    idx = lm.row_index
    assert idx.shape == (9, 256) and lm.row_blocks == 9
    assert (idx[:, 128:] == -1).all()
    assert list(idx[1, :3]) == [1, 10, 19]  # kernel position 1 of channels 0, 1, 2 (rows are Cin-major)
    assert sorted(idx[idx >= 0].tolist()) == list(range(lm.rows))
    first = m.layers[m.order[0]]  # conventional: 27 rows in one block
    assert first.row_index.shape == (1, 256) and (first.row_index[0, 27:] == -1).all()


def test_empty_row_groups_are_read_and_results_unchanged():
    """all_groups reads every row group of a subarray holding weights (NeuroSim's numAdd); the function is the
    same as the packed mapping's."""
    import cimsim

    kw = dict(hw="neurosim_rram_22nm", timesteps=1, samples=1, seed=0, ideal_adc=True, fidelity=False)
    runs = {gran: cimsim.simulate("vgg8", overrides={"tiles": 1024, "mapping.granularity": gran}, **kw)
            for gran in ("packed", "neurosim")}
    conv1 = {gran: r.layers[0] for gran, r in runs.items()}
    # 27 rows of conv1 in one 128-row subarray: 1 group of 64 rows packed, 2 (128 / 64 parallel rows) NeuroSim
    assert conv1["neurosim"]["adc_conversions"] == 2 * conv1["packed"]["adc_conversions"]
    assert conv1["neurosim"]["rows_driven"] == conv1["packed"]["rows_driven"]
    assert np.array_equal(np.asarray(runs["neurosim"].outputs), np.asarray(runs["packed"].outputs))
    assert runs["neurosim"].layers[1]["rows_driven"] == runs["packed"].layers[1]["rows_driven"]


def test_granularity_refuses_analog_sum():
    with pytest.raises(UserError, match="analog_sum"):
        map_graph(_graph(), make_chip(**{"mapping.granularity": "neurosim", "pe.analog_sum": True}))


def test_nonideal_reads_follow_the_subarray_rows():
    """Device effects (IR drop along the rows) use each row's place in its NeuroSim subarray."""
    import cimsim

    r = cimsim.simulate("vgg8", hw="neurosim_rram_22nm", timesteps=1, samples=1, seed=0, fidelity=False,
                        overrides={"tiles": 1024, "variables.xbar": 256, "crossbar.nonideal.enabled": True})
    assert np.isfinite(r.totals["energy_per_inference_j"]) and r.totals["energy_per_inference_j"] > 0
