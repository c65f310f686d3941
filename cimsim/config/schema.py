"""The hardware description: typed, validated, immutable, SI units.

The YAML loader (:mod:`cimsim.config.loader`) resolves ``include:``, variables, arithmetic and units
("250 MHz", "693.6 um2", "2.03 pJ") and hands plain SI numbers to these models. Every physical number is a
:class:`Quantity` whose ``source`` names an entry of ``hwconfigs/references.bib``.

Hierarchy (composition, mirroring the hardware): ``Chip`` has ``tiles`` of ``Tile``; a tile has ``pes`` of
``PE`` plus a tile buffer, LIF neuron units and a router; a PE has ``crossbars`` of ``Crossbar`` with their
peripherals (wordline drivers, column muxes, ADCs, shift-add) and a PE buffer.

Energies are per action (J), areas per instance (m2), leakage per instance (W), latencies in clock cycles
(integers) unless the field name ends in ``_s``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from cimsim.config import units as U
from cimsim.options import RunOptions, is_run_option


@dataclass(frozen=True)
class Unit:
    """Field metadata for the loader: the physical dimension a value must have, and the field's own unit.

    ``per`` is the size of one field unit in SI (``technology_nm``: 1e-9 m; ``size_bytes``: 8 bits). ``also``
    lists further accepted dimensions (an H-tree energy may be written per bit or as a plain energy per bit).
    """

    dim: tuple
    per: float = 1.0
    also: tuple = ()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(Strict):
    """A physical number in SI units with the bibliography key of where it comes from."""

    value: float = Field(ge=0)
    source: str = Field(min_length=1)

    def __float__(self) -> float:
        return float(self.value)


Energy = Annotated[Quantity, Unit(U.ENERGY)]
Area = Annotated[Quantity, Unit(U.AREA)]
Power = Annotated[Quantity, Unit(U.POWER)]
EnergyPerBit = Annotated[Quantity, Unit(U.ENERGY_PER_BIT, also=(U.ENERGY,))]


class Costs(Strict):
    """Energy per action (J), area per instance (m2), leakage power per instance (W)."""

    energy: Energy
    area: Area
    leakage: Power


class CrossbarConfig(Strict):
    rows: PositiveInt
    cols: PositiveInt
    bits_per_cell: PositiveInt = 1
    parallel_rows: PositiveInt
    """Rows driven together in one read (row group); <= rows."""
    read_cycles: int = Field(default=1, ge=0)
    """Clock cycles of one row-group read (wordline pulse + settling) before its conversions; 0 when sensing is
    part of each conversion cycle (NeuroSim's current-mode sense amps)."""
    device: Literal["rram", "sram", "fefet", "pcm"] = "rram"
    signed: Literal["differential", "offset"] = "differential"
    """Signed weights: a positive and a negative array (differential) or one array with an offset column."""
    offset_reference: Literal["digital", "analog"] = "digital"
    """``offset`` weights: remove the offset digitally after the ADC (the ADC sees the unsigned sum), or in the
    analog domain with a reference column per slice before the ADC (NeuroSim's dummy column): the ADC then sees
    the signed sum ``sum(x * (cell - ref))`` and converts it with a signed range ``[-2**(bits-1), 2**(bits-1)-1]``."""
    costs: Costs
    """energy = one read with all ``rows`` driven (scaled by rows actually driven); area/leakage per array."""

    @model_validator(mode="after")
    def _check(self):
        if self.parallel_rows > self.rows:
            raise ValueError(f"parallel_rows ({self.parallel_rows}) exceeds rows ({self.rows})")
        return self


class AdcConfig(Strict):
    bits: int = Field(ge=1, le=16)
    cols_per_adc: PositiveInt = 8
    """Columns sharing one ADC through a column mux (conversions serialised)."""
    range: Literal["saturate", "full", "calibrated"] = "saturate"
    """saturate: LSB = one cell level, clipped at 2**bits - 1; full: LSB = max column sum / (2**bits - 1);
    calibrated: per layer (and cell column of an output), a power-of-two LSB (>= one cell level) fitted to the
    nonzero per-read column values seen on calibration inputs by ``calibration_rule``
    (:mod:`cimsim.engine.adc_calibration`); larger values saturate."""
    calibration_rule: Literal["mse", "quantile"] = "mse"
    """``calibrated`` range: how the power-of-two LSB is chosen from the calibration column values: ``mse``, the one
    with the least squared conversion error (rounding + saturation); ``quantile``, the smallest whose top code
    covers ``calibration_quantile`` of them."""
    calibration_quantile: float = Field(default=0.999, gt=0.0, le=1.0)
    """``calibrated`` range, ``quantile`` rule: quantile of the |nonzero per-read column values| the top code must
    reach (0 < q <= 1)."""
    calibration_samples: PositiveInt = 8
    """``calibrated`` range: samples of the run (its first ones) whose ideal-network activations calibrate the
    LSBs, unless separate calibration inputs are given to :func:`cimsim.simulate`."""
    calibration_granularity: Literal["slice", "layer"] = "slice"
    """``calibrated`` range: one LSB per cell column of an output (weight slice, and sign with ``differential``)
    of each layer, the ADC reference switched with the column mux; or one LSB per layer."""
    conversion_cycles: PositiveInt = 1
    """Clock cycles of one conversion at ``bits`` (write it as an expression of the bits to sweep it)."""
    costs: Costs
    """Energy per conversion, area and leakage per ADC, all at ``reference_bits``."""
    reference_bits: Optional[int] = Field(default=None, ge=1, le=16)
    """Resolution the ``costs`` were published for (default: ``bits``); :mod:`cimsim.components.adc` scales
    energy, area and leakage from it to ``bits`` with the ``scaling`` law."""
    scaling: Literal["sar", "flash"] = "sar"
    """sar: energy, area ~ 2**bits, latency ~ bits + 1; flash: energy, area ~ 2**bits, latency constant."""

    @model_validator(mode="before")
    @classmethod
    def _pin_reference_bits(cls, data):
        # Pinned at load time so that a later sweep over ``bits`` (Chip.with_changes) scales the costs.
        if isinstance(data, dict) and data.get("reference_bits") is None and "bits" in data:
            data = {**data, "reference_bits": data["bits"]}
        return data

    @property
    def costs_bits(self) -> int:
        return self.reference_bits if self.reference_bits is not None else self.bits


class PeriphConfig(Strict):
    """A peripheral priced per action: wordline driver (per row driven), mux (per selection), shift-add (per op)."""

    costs: Costs
    cycles: int = Field(default=1, ge=0)


class BufferConfig(Strict):
    size_bytes: Annotated[PositiveInt, Unit(U.INFORMATION, per=8.0)]
    width_bits: PositiveInt
    """Bits per access; energy is per access of this width."""
    costs: Costs


class LifUnitConfig(Strict):
    units: PositiveInt
    """LIF update units per tile; each updates one neuron per ``cycles``."""
    cycles: PositiveInt = 1
    membrane_bits: PositiveInt = 16
    costs: Costs
    """energy per neuron update (charge + compare + reset); area/leakage per unit."""
    membrane_area_per_neuron: Area
    """Membrane storage area per mapped neuron (m2)."""


class NocConfig(Strict):
    topology: Literal["mesh"] = "mesh"
    flit_bits: PositiveInt = 64
    router_cycles: PositiveInt = 1
    link_cycles: PositiveInt = 1
    router: Costs
    """energy per flit through a router; area/leakage per router (one per tile)."""
    link_energy: Energy
    """energy per flit per link traversal (J)."""
    spike_address_bits: PositiveInt = 16
    """Bits to address one spike in a packet (address-event representation)."""


class PeConfig(Strict):
    crossbars: PositiveInt
    analog_sum: bool = False
    """PE-level analog summation (SpikeSim): the PE's crossbars hold different row blocks of one column block,
    their bitline currents are summed and converted by the PE's ``ceil(cols / cols_per_adc)`` shared ADCs (one
    conversion per column per PE read, not per crossbar). Off: every crossbar has its own ADCs."""
    buffer: BufferConfig
    interconnect_energy: EnergyPerBit
    """Intra-tile H-tree energy per bit moved between a PE and the tile (J/bit)."""


class TileConfig(Strict):
    pes: PositiveInt
    buffer: BufferConfig
    lif: LifUnitConfig
    accumulator: PeriphConfig
    """Partial-sum adder across crossbars / PEs: energy per add; area/leakage per instance."""
    accumulators: PositiveInt = 1
    """Accumulator instances per tile (area and leakage)."""
    htree_area: Area = Quantity(value=0.0, source="none")
    """Area of the intra-tile interconnect (H-tree) between the PEs and the tile."""
    other_area: Area = Quantity(value=0.0, source="none")
    """Tile-level area not modelled by a component."""


#: Breakdown keys an extra periphery block may be reported under (those of :mod:`cimsim.cost`).
PERIPHERY_CATEGORIES = ("crossbar", "adc", "mux", "wl_driver", "shift_add", "accumulator", "lif_unit", "pe_buffer",
                        "tile_buffer", "global_buffer", "htree", "router", "other")
#: LayerActivity counts an extra periphery block's energy may be charged per.
PERIPHERY_CHARGED_PER = ("none", "xbar_reads", "rows_driven", "adc_conversions", "shift_adds", "accumulations",
                         "lif_updates", "pe_buffer_bits", "tile_buffer_bits", "global_buffer_bits", "htree_bits",
                         "noc_flits")


class PeripheryBlock(Strict):
    """An extra peripheral block a preset prices beyond the fixed component set (``periphery:`` in the YAML).

    The fixed components (crossbar, ADC, mux, wordline driver, shift-add, buffers, LIF units, router ...) cover the
    SpikeSim/ISAAC structure. Circuit-level simulators such as DNN+NeuroSim add blocks of their own: write level
    shifters, wordline/source-line switch matrices, mux decoders, partial-sum adders, adder trees, register files,
    buses. A preset lists them by name::

        periphery:
          wl_switch_matrix:
            level: crossbar          # instances per crossbar | pe | tile | chip
            count: 1                 # instances per level unit
            category: other          # breakdown key its energy and area are reported under
            charged_per: xbar_reads  # the action count one energy unit is charged per ("none": area only)
            costs: {energy: {...}, area: {...}, leakage: {...}}

    Area and leakage are per instance and roll up with the hierarchy: crossbar/PE/tile blocks with the tiles a
    run uses, chip blocks once. Energy = ``costs.energy`` x the layer's ``charged_per`` count (see
    :class:`cimsim.cost.activity.LayerActivity`), reported under ``category``.
    """

    level: Literal["crossbar", "pe", "tile", "chip"]
    """The hierarchy level it is instantiated at."""
    count: float = Field(default=1.0, ge=0)
    """Instances per crossbar / PE / tile / chip."""
    category: Literal[PERIPHERY_CATEGORIES] = "other"  # type: ignore[valid-type]
    """Breakdown key its energy and area are added to."""
    charged_per: Literal[PERIPHERY_CHARGED_PER] = "none"  # type: ignore[valid-type]
    """Count its energy per action is charged per; ``none`` for a block whose energy is not modelled (area and
    leakage only)."""
    costs: Costs
    """Energy per ``charged_per`` unit (J), area and leakage per instance (m2, W)."""


class Chip(Strict):
    name: str
    description: str = ""
    technology_nm: Annotated[float, Unit(U.LENGTH, per=1e-9)] = Field(gt=0)
    clock_hz: Annotated[float, Unit(U.FREQUENCY)] = Field(gt=0)
    weight_bits: int = Field(default=8, ge=2, le=16)
    tiles: PositiveInt
    """Tiles available on the chip (placed on a near-square mesh)."""
    crossbar: CrossbarConfig
    adc: AdcConfig
    wl_driver: PeriphConfig
    mux: PeriphConfig
    shift_add: PeriphConfig
    pe: PeConfig
    tile: TileConfig
    noc: NocConfig
    global_buffer: Optional[BufferConfig] = None
    run: RunOptions = RunOptions()
    """The preset's default run options (YAML top-level ``accounting:`` and ``mapping:``): how a run counts, not
    hardware, so not part of :meth:`config_hash`; a run replaces them (:meth:`with_options`)."""
    periphery: dict[str, PeripheryBlock] = Field(default_factory=dict)
    """Extra peripheral blocks by name (:class:`PeripheryBlock`)."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Bibliography keys for structural choices (field path -> key)."""

    @model_validator(mode="after")
    def _check(self):
        if self.weight_bits % self.crossbar.bits_per_cell:
            raise ValueError(
                f"weight_bits ({self.weight_bits}) is not a multiple of crossbar.bits_per_cell ({self.crossbar.bits_per_cell})"
            )
        return self

    # ---------------------------------------------------------------- derived
    @property
    def n_slices(self) -> int:
        """Cell columns per weight bit-width: weight magnitude bits sliced over cells (sign handled by ``signed``)."""
        return -(-self.magnitude_bits // self.crossbar.bits_per_cell)

    @property
    def magnitude_bits(self) -> int:
        return self.weight_bits - 1 if self.crossbar.signed == "differential" else self.weight_bits

    @property
    def mesh_shape(self) -> tuple[int, int]:
        """(rows, cols) of the tile mesh: near square, rows <= cols."""
        import math

        r = int(math.isqrt(self.tiles))
        while self.tiles % r:
            r -= 1
        if r * 2 < math.isqrt(self.tiles):  # a prime tile count: use a square that holds it
            r = math.isqrt(self.tiles - 1) + 1
            return r, r
        return r, self.tiles // r

    @property
    def crossbars_total(self) -> int:
        return self.tiles * self.tile.pes * self.pe.crossbars

    @property
    def cycle_s(self) -> float:
        return 1.0 / self.clock_hz

    @property
    def accounting(self) -> str:
        """The accounting mode of the run this chip object is used for (``run.accounting``; read by the engine)."""
        return self.run.accounting

    def config_hash(self) -> str:
        """Stable hash of the resolved hardware (cache key for search); the run options are not part of it."""
        blob = json.dumps(self.model_dump(mode="json", exclude={"run"}), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def with_options(self, options: RunOptions) -> "Chip":
        """The same hardware with the run options ``options`` (the hash does not change)."""
        return self if options == self.run else self.model_copy(update={"run": options})

    def with_changes(self, changes: dict) -> "Chip":
        """A copy with dotted-path overrides in SI units, e.g. ``{"adc.bits": 6}``; validated again.

        Paths of run options (``accounting``, ``mapping.share_tiles``; :mod:`cimsim.options`) change ``run``.
        Quantities are replaced by a number (keeps the source) or a ``{value, source}`` mapping. ADC costs follow
        ``adc.bits`` through the scaling law of :mod:`cimsim.components.adc`. To change a value that others are
        computed from (a YAML variable), use ``load_config(..., overrides={"variables.NAME": value})`` instead.

        Raises
        ------
        UserError: unknown path or an invalid value.
        """
        from pydantic import ValidationError

        from cimsim.errors import UserError

        data = self.model_dump()
        for path, value in changes.items():
            d = data
            keys = (["run"] if is_run_option(path) else []) + path.split(".")
            for k in keys[:-1]:
                if not isinstance(d, dict) or not isinstance(d.get(k), dict):
                    raise UserError(f"chip {self.name}: change {path!r}: no field {k!r} there")
                d = d[k]
            last = keys[-1]
            if last not in d:
                raise UserError(f"chip {self.name}: change {path!r}: no field {last!r} there")
            if isinstance(d[last], dict) and set(d[last]) == {"value", "source"} and not isinstance(value, dict):
                d[last] = {"value": value, "source": d[last]["source"]}
            else:
                d[last] = value
        try:
            return Chip.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"]) or "(chip)"
            raise UserError(f"chip {self.name}: field {loc}: {err['msg']} (changes {changes})") from None
