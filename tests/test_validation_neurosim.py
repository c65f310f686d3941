"""NeuroSim V1.4 references: the current-code grid (cimsim.validate.neurosim_grid), its obsolete release-test output
read with its own definitions (kept as history), and Table VII."""
import pytest

from cimsim.validate import GOAL, TOLERANCE, macs_per_inference_step, vgg_variant
from cimsim.validate.neurosim import NEUROSIM_OPS, NEUROSIM_RELEASE_TEST, NEUROSIM_ZETA


@pytest.mark.parametrize("rows", sorted(NEUROSIM_RELEASE_TEST))
def test_release_test_follows_neurosim_definitions(rows):
    """NeuroSim's printed TOPS and TOPS/W follow from its printed latency and energy as main.cpp defines them
    (pipeline cycle = slowest layer incl. buffer + IC latency; energy x zeta), and its area breakdown adds up."""
    ref = NEUROSIM_RELEASE_TEST[rows]
    assert NEUROSIM_OPS / (ref["latency_us"] * 1e-6) / 1e12 == pytest.approx(ref["tops"], rel=1e-4)
    energy_j = (ref["dynamic_uj"] + ref["leakage_uj"]) * 1e-6 * NEUROSIM_ZETA
    assert NEUROSIM_OPS / energy_j / 1e12 == pytest.approx(ref["tops_w"], rel=2e-3)
    parts = ref["array"] + ref["ic"] + ref["adc"] + ref["accum"] + ref["other"]
    assert parts == pytest.approx(ref["area"], rel=1e-4)
    # buffer and interconnect latency dominate NeuroSim's pipeline cycle (why its TOPS is below our array-bound one)
    assert (ref["buffer_latency_us"] + ref["ic_latency_us"]) / ref["latency_us"] > 0.85


def test_vgg8_operations_match_neurosim():
    ops = 2 * macs_per_inference_step(vgg_variant("vgg8"))
    assert abs(ops / NEUROSIM_OPS - 1) < 1e-4


def test_neurosim_cell_at_technology_feature():
    from cimsim.config.loader import load_config

    chip = load_config("neurosim_rram_22nm")
    # SubArray.cpp: 1T1R array = numCol x 12F by numRow x 4F with F = tech.featureSize (22 nm)
    assert chip.crossbar.costs.area.value == pytest.approx(4 * 12 * (22e-9) ** 2 * 128 * 128)


LIKE_FOR_LIKE = {"operations per image", "chip area", "CIM array area, mapped subarrays", "ADC (sense amp) area",
                 "accumulation area", "other periphery area", "array-side energy per image",
                 "ADC-side latency of the slowest layer"}


@pytest.fixture(scope="module")
def neurosim():
    from cimsim.validate import validate_neurosim

    return validate_neurosim(seed=0)


@pytest.mark.slow
def test_release_test_rows_are_obsolete_history(neurosim):
    """The release-test rows (NeuroSim's initial commit, code since changed) stay shown as history: status
    ``obsolete``, never counted against the tolerance; Table VII rows are information."""
    lfl = [r for r in neurosim.rows if r.like_for_like]
    assert {r.metric for r in lfl} == LIKE_FOR_LIKE
    assert len(lfl) == len(LIKE_FOR_LIKE) * len(NEUROSIM_RELEASE_TEST)
    assert all(r.obsolete and r.status == "obsolete" for r in neurosim.rows if "release test" in r.reference)
    assert not any(r.like_for_like or r.obsolete for r in neurosim.rows if "Table VII" in r.reference)
    # the historical rows still read the same workload: operations match exactly
    ops = [r for r in lfl if r.metric == "operations per image"]
    assert all(abs(r.rel_error) < 1e-3 for r in ops)


@pytest.mark.slow
def test_table_vii_parallel_rows_trends(neurosim):
    """Doubling the parallel rows (Table VII's two RRAM rows): TOPS/W rises, as in NeuroSim."""
    ratio = {r.metric: r for r in neurosim.rows if r.reference.endswith("64/32 rows")}
    assert ratio["TOPS/W ratio"].ours > 1.0 and ratio["TOPS/W ratio"].theirs > 1.0


def test_neurosim_positions_ignore_padding():
    from cimsim.validate.neurosim import neurosim_positions

    pos = neurosim_positions(vgg_variant("vgg8"))
    assert [p for p in pos.values()] == [(1024, 900), (1024, 900), (256, 196), (256, 196), (64, 36), (64, 36),
                                         (1, 1), (1, 1)]


def test_grid_point_overrides_follow_the_reference_config():
    from cimsim.validate.neurosim_grid import load_reference, point_overrides

    pts = {p["name"]: p["config"] for p in load_reference()["points"]}
    o = point_overrides(pts["subarray64"])
    assert o["variables.xbar"] == 64 and o["variables.rows_parallel"] == 32 and o["variables.ron_ohms"] == 100e3
    assert point_overrides(pts["tech130"])["technology_nm"] == 130
    assert point_overrides(pts["cellbit2"])["crossbar.bits_per_cell"] == 2
    sram = point_overrides(pts["sram"])
    assert sram["crossbar.device"] == "sram" and sram["variables.write_level_shifters"] == 0


def test_grid_their_figures_read_the_printed_categories():
    from cimsim.validate.neurosim_grid import load_reference, their_figures

    res = load_reference()["points"][0]["results"]
    f = their_figures(res)
    assert f["chip area (bounding boxes)"] == pytest.approx(345.169)
    assert f["chip area (sum of components)"] == pytest.approx(98.91546)
    assert f["used area without interconnect"] == pytest.approx(98.91546 - 26.3107)
    assert f["array-side energy"] == pytest.approx(30.654 + 9.82009 + 11.567 - 6.67109 - 0.190809, rel=1e-5)
    assert f["ADC latency"] == pytest.approx(25.2031)


def test_trend_signs_and_flat_steps():
    """A step's sign is NeuroSim's when it moves by more than 1%; a flat NeuroSim step accepts any of ours."""
    from cimsim.validate.neurosim_grid import METRICS, SWEEPS, trend_checks, trend_ok

    names = SWEEPS["bits per cell"]
    ours = {m: 1.0 for m, *_ in METRICS}
    figs = {names[0]: (ours, ours), names[1]: ({**ours, "ADC area": 0.5}, {**ours, "ADC area": 1.5})}
    checks = {c[2]: c for c in trend_checks(figs)}
    assert checks["ADC area"][3:] == (-1, 1) and not trend_ok(*checks["ADC area"][3:])
    assert checks["CIM array area"][3:] == (0, 0) and trend_ok(0, 0) and trend_ok(-1, 0)
    assert "interconnect area" not in checks  # information rows carry no trend


@pytest.fixture(scope="module")
def grid():
    from cimsim.validate import validate_neurosim_grid

    return validate_neurosim_grid(seed=0)


@pytest.mark.slow
def test_grid_statistics(grid):
    """Our preset at every point of NeuroSim's current-code grid: the error statistics of the like-for-like rows
    and the trends (issue 14's goals are 80% within 15%, all within 25%, every trend right; README lists what is
    still missing and why). Guards the level reached so it does not regress."""
    s = grid.extra["neurosim_grid"]["statistics"]
    assert s["like_for_like"] == 21 * 10
    assert s["within_goal"] >= 0.80 * s["like_for_like"]
    assert s["within_tolerance"] >= 0.95 * s["like_for_like"]
    assert s["trends_right"] >= 0.9 * s["trends"]
    rows = {(r.reference, r.metric): r for r in grid.rows}
    # the default point: used area, array area and the sense-amp latency within the goal, the bounding box within
    # the tolerance (3.5x its used area in NeuroSim's output: the floorplan's empty corners)
    for metric in ("used area without interconnect", "ADC latency", "CIM array area"):
        assert abs(rows[("NeuroSim grid default", metric)].rel_error) <= GOAL, metric
    assert abs(rows[("NeuroSim grid default", "chip area (bounding boxes)")].rel_error) <= TOLERANCE
    # the component models: periphery and digital energy follow the node (LSTP devices, folded level shifters),
    # the sense path follows the cell type (SRAM), the sense-amp energy follows its levels and sensing window
    for point in ("tech45", "tech65", "tech90", "tech130"):
        for metric in ("other periphery area", "accumulation energy", "ADC energy"):
            assert abs(rows[(f"NeuroSim grid {point}", metric)].rel_error) <= GOAL, (point, metric)
    assert abs(rows[("NeuroSim grid sram", "ADC area")].rel_error) <= GOAL
    for point in ("adc5", "adc6"):
        assert abs(rows[(f"NeuroSim grid {point}", "ADC energy")].rel_error) <= GOAL, point


def test_markdown_and_validate_print_one_count():
    """The README table's summary line and ``cimsim validate``'s note come from the same statistics."""
    from benchmarks import compare_neurosim as mod
    from cimsim.validate.neurosim_grid import METRICS, load_reference, summary_line, their_figures, \
        validate_neurosim_grid

    figs = {}
    for i, p in enumerate(load_reference()["points"][:3]):
        theirs = their_figures(p["results"])
        figs[p["name"]] = ({m: theirs[m] * (1 + 0.1 * i) for m, *_x in METRICS}, theirs)
    v = validate_neurosim_grid(figs=figs)
    s = v.extra["neurosim_grid"]["statistics"]
    assert (s["like_for_like"], s["within_goal"], s["within_tolerance"]) == (30, 20, 30)
    md = mod.grid_markdown(v)
    assert md.splitlines()[-1] == f"Ours / NeuroSim (error). {summary_line(s)}."
    assert summary_line(s) in v.notes[-1]
    assert len(md.splitlines()) == 2 + 3 + 2
