"""The component registry: every hardware component kind is declared once, in its own module.

A component kind is a subclass of :class:`ComponentKind` in a module of :mod:`cimsim.components`; defining the
subclass registers it (every module of the package is imported on first use of the registry). It declares

* ``fields``: the configuration fields it owns, by dotted path from the chip (``"adc"``, ``"tile.lif"``,
  ``"pe.interconnect_energy"``): :mod:`cimsim.config.schema` assembles the chip's sections from them;
* :meth:`~ComponentKind.placement`: where it sits in the hierarchy (``crossbar`` / ``pe`` / ``tile`` /
  ``chip``, ``neuron`` for storage per mapped neuron, ``None`` for wires that are not instances) and how many
  instances per unit of that level;
* ``actions``: each with the count it is charged per and what one unit of that count is (Accelergy's actions);
* its cost model: :meth:`~ComponentKind.model` (energy per action, area and leakage per instance, sources),
  :meth:`~ComponentKind.energy_per_unit_j`, :meth:`~ComponentKind.action_cycles`, and its parametric model
  (:meth:`~ComponentKind.estimate`, named by ``model_name``, reading ``parameters``) that moves the published
  figures away from the preset's design point (:mod:`cimsim.components.calibration`);
* ``counts``: counts it introduces, derived from what the engine measured (``mux_selects`` = conversions ...),
  each a rule ``ctx -> int`` evaluated by :func:`cimsim.cost.collect.collect_activity`;
* :meth:`~ComponentKind.input_bits_per_read` when it drives the crossbar rows with several levels (an input DAC):
  the engine then applies that many input bits per read (:func:`input_bits_per_read`);
* its breakdown key (``category``, default its name), its order in breakdowns and figures, and its plot look.

Breakdown keys, the periphery categories, ``describe_chip``'s rows and the plot colours derive from here.
Component modules take their field types from :mod:`cimsim.config.quantity` (never from the schema, which is
assembled from them).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Optional

#: Hierarchy levels an instance can sit at, innermost first.
LEVELS = ("crossbar", "pe", "tile", "chip")

_KINDS: dict[str, type["ComponentKind"]] = {}
_LOADED = False


@dataclass(frozen=True)
class Action:
    """One action of a component: its name, the count it is charged per and what one unit of that count is."""

    name: str
    charged_per: str
    unit: str


@dataclass(frozen=True)
class Look:
    """How a component is drawn: face colour and hatch pattern ('' for none)."""

    color: str
    hatch: str = ""


class ComponentKind:
    """Base class of a component declaration (class attributes and class methods only; never instantiated).

    Attributes
    ----------
    name: component name (``adc``); unique.
    category: breakdown key when it differs from ``name`` (membrane storage is reported under ``lif_unit``).
    order: position in breakdowns, ``describe_chip`` and figures (ascending).
    label: legend name in figures.
    look: colour and hatch in figures (:class:`Look`).
    level: the level it usually sits at (``None``: never an instance, e.g. NoC links); :meth:`placement` may move
        it for a given chip (ADCs go to the PE with ``pe.analog_sum``).
    fields: configuration fields it owns: dotted path -> ``(annotation, default)`` (``...`` when required).
    actions: its actions (:class:`Action`).
    counts: counts it derives: name -> ``rule(ctx) -> int`` (``ctx``: :class:`cimsim.cost.collect.CountContext`).
    """

    name: ClassVar[str]
    category: ClassVar[str] = ""
    order: ClassVar[float]
    label: ClassVar[str]
    look: ClassVar[Look]
    level: ClassVar[Optional[str]] = "tile"
    fields: ClassVar[dict[str, tuple[Any, Any]]] = {}
    actions: ClassVar[tuple[Action, ...]] = ()
    counts: ClassVar[dict[str, Callable[[Any], int]]] = {}
    model_name: ClassVar[str] = "published"
    """The parametric model that scales the published figures (shown by ``cimsim check`` and the priced table)."""
    parameters: ClassVar[tuple[str, ...]] = ()
    wire: ClassVar[bool] = False
    """A wire whose length comes from the floorplan of the other components (H-tree, NoC link)."""
    """Design-point parameters the model reads (:data:`cimsim.components.calibration.PATHS`; ``adc_bits``)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:  # a shared base of several kinds (buffers), not a component itself
            return
        if cls.name in _KINDS and _KINDS[cls.name].__qualname__ != cls.__qualname__:
            raise TypeError(f"component {cls.name!r} declared twice ({_KINDS[cls.name].__module__}, {cls.__module__})")
        _KINDS[cls.name] = cls

    @classmethod
    def key(cls) -> str:
        """Breakdown key: ``category`` if set, else ``name``."""
        return cls.category or cls.name

    @classmethod
    def placement(cls, chip) -> tuple[Optional[str], float]:
        """(level, instances per unit of that level); level ``None`` or 0 instances: not in the hierarchy.

        Default: one instance at :attr:`level`.
        """
        return cls.level, 1

    @classmethod
    def model(cls, chip):
        """The priced :class:`~cimsim.components.base.Component` (``None`` when the chip has none)."""
        raise NotImplementedError(cls.name)

    @classmethod
    def energy_per_unit_j(cls, comp, action: Action) -> float:
        """Energy (J) per unit of ``action.charged_per`` (default: the component's energy per action)."""
        return comp.energy_j

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        """Clock cycles of one action (``None``: not modelled, e.g. hidden behind other work)."""
        return None

    @classmethod
    def input_bits_per_read(cls, chip) -> Optional[int]:
        """Input bits one crossbar read applies per row when this component drives the rows with several levels
        (an input DAC); ``None``: it does not drive rows (see :func:`input_bits_per_read`)."""
        return None

    @classmethod
    def estimate(cls, chip, p):
        """The model's absolute figures at point ``p`` (:class:`~cimsim.components.calibration.Point`):
        a :class:`~cimsim.components.calibration.Estimate`, or ``None`` (no model: published figures only).
        Only ratios between two points are used."""
        return None

    @classmethod
    def area_floor(cls, chip, p) -> Optional[float]:
        """Least area (m2) of one instance at point ``p`` set by a layout rule of the preset (a row as tall as a
        neighbouring block), applied after the model scaling; ``None``: no floor."""
        return None

    @classmethod
    def describe_energy(cls, chip, comp) -> str:
        """Energy column of ``describe_chip``: energy per action in human units."""
        from cimsim.components.describe import fmt_energy

        return f"{fmt_energy(comp.energy_j)}/{comp.action}" if cls.actions else "-"


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    import cimsim.components as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        importlib.import_module(f"{package.__name__}.{info.name}")
    _LOADED = True


def kinds() -> tuple[type[ComponentKind], ...]:
    """Every registered component kind, in breakdown order."""
    _load()
    return tuple(sorted(_KINDS.values(), key=lambda k: (k.order, k.name)))


def kind(name: str) -> type[ComponentKind]:
    _load()
    return _KINDS[name]


def section_fields(section: str) -> dict[str, tuple[Any, Any]]:
    """Fields the components declare directly under ``section`` (``""``: the chip itself; ``"tile"``, ``"pe"``)."""
    out: dict[str, tuple[Any, Any]] = {}
    for k in kinds():
        for path, spec in k.fields.items():
            parent, _, leaf = path.rpartition(".")
            if parent == section:
                if leaf in out and out[leaf] != spec:
                    raise TypeError(f"field {path!r} declared twice with different types ({k.name})")
                out[leaf] = spec
    return out


def _unique(keys) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def area_keys() -> tuple[str, ...]:
    """Area breakdown keys: those of components placed in the hierarchy (also the periphery categories)."""
    return _unique(k.key() for k in kinds() if k.level is not None)


def energy_keys() -> tuple[str, ...]:
    """Energy breakdown keys of components (leakage is added by :mod:`cimsim.cost`)."""
    return _unique(k.key() for k in kinds())


def derived_counts() -> dict[str, Callable[[Any], int]]:
    """Counts the components derive from the engine's counts, name -> rule, in declaration order."""
    out: dict[str, Callable[[Any], int]] = {}
    for k in kinds():
        for name, rule in k.counts.items():
            if name in out:
                raise TypeError(f"count {name!r} derived twice ({k.name})")
            out[name] = rule
    return out


def input_bits_per_read(chip) -> int:
    """Input bits one crossbar read of ``chip`` applies per row: the most a component driving the rows offers, else
    1 (the 1-bit wordline drivers apply a multi-bit input bit-serially, one bit per read)."""
    return max([1, *(b for k in kinds() if (b := k.input_bits_per_read(chip)) is not None)])


def looks() -> dict[str, Look]:
    """Plot look per breakdown key, in breakdown order (the first declaration of a key wins)."""
    out: dict[str, Look] = {}
    for k in kinds():
        out.setdefault(k.key(), k.look)
    return out


def labels() -> dict[str, str]:
    """Legend name per breakdown key."""
    out: dict[str, str] = {}
    for k in kinds():
        out.setdefault(k.key(), k.label)
    return out
