"""The hardware description: typed, validated, immutable, SI units.

The YAML loader (:mod:`cimsim.config.loader`) resolves ``include:``, variables, arithmetic and units
("250 MHz", "693.6 um2", "2.03 pJ") and hands plain SI numbers to these models. Every physical number is a
:class:`Quantity` whose ``source`` says where it comes from (a ``references.bib`` key, a DOI, a URL or an inline
citation; :func:`cimsim.config.loader.source_kind`).

Hierarchy (composition, mirroring the hardware): ``Chip`` has ``tiles`` of ``Tile``; a tile has ``pes`` of
``PE`` plus a tile buffer, LIF neuron units and a router; a PE has ``crossbars`` of ``Crossbar`` with their
peripherals (wordline drivers, column muxes, ADCs, shift-add) and a PE buffer.

The structure (tiles, PEs per tile, crossbars per PE) is declared here; the components' sections (``crossbar``,
``adc``, ``tile.lif``, ``pe.buffer`` ...) are declared by the components themselves
(:mod:`cimsim.components.registry`) and assembled into :class:`PeConfig`, :class:`TileConfig` and :class:`Chip`.

Energies are per action (J), areas per instance (m2), leakage per instance (W), latencies in clock cycles
(integers) unless the field name ends in ``_s``.
"""
from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal, Optional

from pydantic import Field, PositiveInt, create_model, field_validator, model_validator

from cimsim.components import registry
from cimsim.components.calibration import DesignPoint, pin
from cimsim.config import units as U
from cimsim.config.quantity import Area, Costs, Energy, EnergyPerBit, Power, Quantity, Strict, Unit, dotted_slot
from cimsim.options import RunOptions, is_run_option

__all__ = ["Area", "Chip", "Costs", "Energy", "EnergyPerBit", "PERIPHERY_CATEGORIES", "PeConfig",
           "PeripheryBlock", "Power", "Quantity", "Strict", "TileConfig", "Unit"]


class PeConfig(create_model("PeSections", __base__=Strict, **registry.section_fields("pe"))):
    """A PE: ``crossbars`` arrays, plus the fields its components declare (``buffer``, ``interconnect_energy``)."""

    crossbars: PositiveInt
    analog_sum: bool = False
    """PE-level analog summation (SpikeSim): the PE's crossbars hold different row blocks of one column block,
    their bitline currents are summed and converted by the PE's ``ceil(cols / cols_per_adc)`` shared ADCs (one
    conversion per column per PE read, not per crossbar). Off: every crossbar has its own ADCs."""


class TileConfig(create_model("TileSections", __base__=Strict, **registry.section_fields("tile"))):
    """A tile: ``pes`` PEs, plus the fields its components declare (``buffer``, ``lif``, ``accumulator`` ...)."""

    pes: PositiveInt


#: Breakdown keys an extra periphery block may be reported under (those of :mod:`cimsim.cost` with an area).
PERIPHERY_CATEGORIES = registry.area_keys()


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

    level: Literal[registry.LEVELS]  # type: ignore[valid-type]
    """The hierarchy level it is instantiated at."""
    count: float = Field(default=1.0, ge=0)
    """Instances per crossbar / PE / tile / chip (with ``per: row`` / ``column``: per crossbar row / column)."""
    per: Literal["unit", "row", "column"] = "unit"
    """``row``: one set of ``count`` instances per crossbar row, stacked beside the array (wordline-side blocks:
    switch matrices, level shifters); ``column``: per column, stacked below it (bitline / source-line side). Their
    instances follow the array's rows or columns and the energy of one action (all instances of a crossbar) scales
    with them from the design point; ``unit``: a fixed count per level unit (crossbar-level blocks stack below)."""
    category: Literal[PERIPHERY_CATEGORIES] = "other"  # type: ignore[valid-type]
    """Breakdown key its energy and area are added to."""
    charged_per: str = "none"
    """Count its energy per action is charged per (a :class:`cimsim.cost.activity.LayerActivity` count:
    ``xbar_reads``, ``adc_conversions`` ...); ``none`` for a block whose energy is not modelled (area and leakage
    only)."""
    costs: Costs
    """Energy per ``charged_per`` unit (J), area and leakage per instance (m2, W)."""
    layout: Optional[str] = None
    """A named gate layout (:data:`cimsim.technology.layout.LAYOUTS`, e.g. ``level_shifter``) whose footprint in
    F^2 at the node moves the area from the design point (its transistors fold with the node's PMOS / NMOS ratio);
    unset: the area scales as F^2."""

    @field_validator("layout")
    @classmethod
    def _known_layout(cls, value):
        from cimsim.technology.layout import LAYOUTS

        if value is not None and value not in LAYOUTS:
            raise ValueError(f"unknown layout {value!r}; expected one of {', '.join(LAYOUTS)}")
        return value

    @field_validator("charged_per")
    @classmethod
    def _known_count(cls, value: str) -> str:
        # the counts are those the engine measures plus those the components derive (imported here: the cost
        # package is assembled after the schema)
        from cimsim.cost.activity import count_names

        names = ("none",) + count_names()
        if value not in names:
            raise ValueError(f"unknown count {value!r}; expected one of {', '.join(names)}")
        return value

    @model_validator(mode="after")
    def _per_line_at_crossbar(self):
        if self.per != "unit" and self.level != "crossbar":
            raise ValueError(f"per: {self.per} needs level: crossbar (got level: {self.level})")
        return self


#: The chip's component sections (``crossbar``, ``adc``, ``noc`` ...), declared by the components.
ChipSections = create_model("ChipSections", __base__=Strict, pe=(PeConfig, ...), tile=(TileConfig, ...),
                            **registry.section_fields(""))


class Chip(ChipSections):
    name: str
    description: str = ""
    # bounds: beyond them a value is a typo (1e300 Hz), not a design point, and would make a run allocate or
    # loop without end (a mesh of 1e12 tiles); the loader also refuses any non-finite number
    technology_nm: Annotated[float, Unit(U.LENGTH, per=1e-9)] = Field(ge=1, le=1000)
    """Technology node (nm), 1 to 1000."""
    device_roadmap: Literal["hp", "lstp"] = "hp"
    """Transistor models of the node (:mod:`cimsim.technology.nodes`): PTM high performance or low standby power
    (NeuroSim's default)."""
    clock_hz: Annotated[float, Unit(U.FREQUENCY)] = Field(gt=0, le=1e12)
    """Clock frequency (Hz), at most 1 THz."""
    weight_bits: int = Field(default=8, ge=2, le=16)
    tiles: int = Field(gt=0, le=65_536)
    """Tiles available on the chip (placed on a near-square mesh), at most 65,536 (a 256 x 256 mesh)."""
    run: RunOptions = RunOptions()
    """The preset's default run options (YAML top-level ``accounting:`` and ``mapping:``): how a run counts, not
    hardware, so not part of :meth:`config_hash`; a run replaces them (:meth:`with_options`)."""
    periphery: dict[str, PeripheryBlock] = Field(default_factory=dict)
    """Extra peripheral blocks by name (:class:`PeripheryBlock`)."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Bibliography keys for structural choices (field path -> key)."""
    design_point: DesignPoint = DesignPoint()
    """Parameters the published costs hold at (:mod:`cimsim.components.calibration`); unset ones are pinned to
    the loaded values."""

    @model_validator(mode="wrap")
    @classmethod
    def _pin_design_point(cls, data, handler):
        chip = handler(data)
        pinned = pin(chip)
        return chip if pinned == chip.design_point else handler({**chip.model_dump(), "design_point": pinned})

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
            keys = (["run"] if is_run_option(path) else []) + path.split(".")
            d = dotted_slot(data, keys, f"chip {self.name}: change {path!r}")
            last = keys[-1]
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
