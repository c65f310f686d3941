"""Technology facts behind the NeuroSim preset's node scaling and sense path (neurosim_technology, neurosim_layout,
neurosim_mlsa): LSTP devices, folded gate layouts, the current-mode sense amp's mirror power and area."""
import math

import pytest

from cimsim.components.mlsa import mirror_power_w, mlsa_area_f2, sensed_power_w
from cimsim.errors import UserError
from cimsim.technology import node
from cimsim.technology.layout import gate_width_f, level_shifter_f2
from cimsim.technology.nodes import metal_width_m


def test_lstp_devices_are_slower_and_costlier_per_gate():
    hp, lp = node(130, "hp"), node(130, "lstp")
    assert lp.gate_cap_f_per_m == pytest.approx(1.8574e-9 + 9.530642e-10)
    assert lp.pn_ratio == pytest.approx(300.70 / 150.70) and hp.pn_ratio == pytest.approx(930 / 430)
    assert lp.off_current_a_per_m == pytest.approx(1e-4) and hp.off_current_a_per_m == pytest.approx(0.1)
    # digital energy 22 -> 130 nm: C' x F x V^2 grows 29x with LSTP (NeuroSim's accumulation energy: 30.5x)
    ratio = node(130, "lstp").gate_energy_j / node(22, "lstp").gate_energy_j
    assert ratio == pytest.approx(2.8105e-9 / 1.3249e-9 * 130 / 22 * (1.3 / 0.85) ** 2, rel=1e-4)
    with pytest.raises(UserError, match="device_roadmap"):
        node(22, "ulp")


def test_gate_folding_by_hand():
    # an unfolded inverter is two poly pitches (7.6 F); a 60 F NMOS next to a 105.6 F PMOS in a 70 F row folds:
    # 62.9 F of the row is usable, the PMOS gets 63.8% of it (40.1 F) and folds 3 times: (3 + 1) x 3.8 F
    assert gate_width_f(2, 2 * 1.3194) == pytest.approx(7.6)
    assert gate_width_f(60, 105.55, 1, 70) == pytest.approx(15.2)
    # NAND2 without folding shares one diffusion: 2 x 7.6 - 3.8
    assert gate_width_f(4, 4, 2) == pytest.approx(11.4)


def test_level_shifter_area_follows_neurosim_per_node():
    """Per level shifter, NeuroSim V1.4 (validated mode) prints 1.0011e-11 m2 at 22 nm and 4.5313e-10 m2 at 130 nm
    (its subarray's wordline level shifters / 128 rows): 20684 F^2 and 26813 F^2, 30% more than F^2 scaling."""
    f2 = {nm: level_shifter_f2(node(nm, "lstp").pn_ratio) for nm in (22, 45, 130)}
    assert f2[22] == pytest.approx(70 * 205.2 * 1.44)
    assert f2[22] * 22e-9 ** 2 == pytest.approx(1.0011e-11, rel=1e-3)
    assert f2[45] * 45e-9 ** 2 == pytest.approx(5.0418e-11, rel=1e-3)
    assert f2[130] * 130e-9 ** 2 == pytest.approx(4.5313e-10, rel=1e-3)


def test_mirror_power_ladder_matches_neurosim():
    """The reference ladder of a 16-level sense amp at Ron 100 kOhm and 32 parallel rows draws 9.1645 uW per sense
    amp in NeuroSim V1.4 at 22 nm (printed by an instrumented build): the ladder's share in our model."""
    column = 15 * mirror_power_w(22, "lstp", 100e3 / (0.125 * 32), 0.55)
    assert sensed_power_w(4, 22, "lstp", 100e3, 32, 0.55) - column == pytest.approx(9.1645e-6, rel=1e-4)
    # linear below 4832 Ohm, logarithmic above (after referring R to a 0.5 V read)
    assert mirror_power_w(22, "lstp", 1100, 0.55) == pytest.approx(-2.85373e-11 * 1000 + 9.16744e-07)
    assert mirror_power_w(22, "lstp", 11000, 0.55) == pytest.approx(-1.63133e-07 * math.log(10000) + 2.1687e-06)


def test_sram_sense_path_is_larger():
    """NeuroSim V1.4 at 22 nm, 128 x 128, 16 levels: 1.2264e-9 m2 of sense path per SRAM subarray (16 sense amps
    with reference columns and encoders, and the bitline precharger) and 5.3497e-10 m2 per 1T1R one."""
    n = node(22, "lstp")

    def area(device, f2):
        p = dict(crossbar_device=device, cell_area_f2=f2, technology_nm=22, crossbar_rows=128, cols_per_adc=8)
        return 16 * mlsa_area_f2(4, n, p) * n.feature_m ** 2

    assert metal_width_m(22) == pytest.approx(40e-9)
    assert area("rram", 48) == pytest.approx(5.3497e-10, rel=0.01)
    assert area("sram", 280) == pytest.approx(1.2264e-9, rel=0.01)
