"""How a run counts, apart from the hardware: :class:`RunOptions`, and the one ``--set`` overrides parser.

The hardware (:class:`cimsim.config.schema.Chip`) says what the chip *is*; :class:`RunOptions` say how a run
counts and evaluates it: the accounting mode, the mapping policy, an ideal ADC, the fidelity pass. Changing them
does not change the chip's :meth:`~cimsim.config.schema.Chip.config_hash`; a report records both hashes.

A preset may set its default run options (the NeuroSim preset duplicates layers and reads every row group, as
NeuroSim does) with the top-level keys ``accounting:`` and ``mapping:`` of its YAML; the loader keeps them in
``Chip.run``, and a run overrides them (``simulate(..., options=...)``, ``--accounting``, ``--set``).

Overrides name run options by their own paths (``accounting``, ``mapping.share_tiles``) and hardware fields by
theirs (``adc.bits``); :func:`split_overrides` tells them apart.
"""
from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError

from cimsim.config.quantity import dotted_slot
from cimsim.errors import UserError

#: Accounting modes (see :attr:`RunOptions.accounting`).
ACCOUNTING = ("event", "dense", "all_groups")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MappingConfig(_Frozen):
    """How layers are placed on the chip."""

    duplicate_to_balance: bool = False
    """Replicate the crossbars of layers that would bottleneck the layer pipeline (NeuroSim's weight duplication
    for pipeline balance): a layer with ``k`` copies processes its output positions ``k`` at a time (``k`` x its
    hardware, 1/k of its per-timestep latency). Copies are chosen so each layer's positions per copy are about
    those of the layer with the fewest positions (see :func:`cimsim.mapping.duplication_factors`)."""
    max_duplication: PositiveInt = 64
    """Upper bound on the copies of one layer."""
    share_tiles: bool = False
    """Layers share tiles: each layer's PEs follow the previous layer's, so a tile may hold the end of one layer
    and the start of the next (SpikeSim's energy/area script packs layers this way); off: a layer owns whole
    tiles. Copies of duplicated layers are then packed too."""
    pack_copies: bool = False
    """Copies of a duplicated layer share PEs and tiles, laid out one after the other (NeuroSim duplicates
    subarrays inside PEs and PEs inside tiles); off: every copy owns whole tiles."""
    granularity: Literal["packed", "neurosim"] = "packed"
    """packed: a layer's crossbar grid is cut into blocks of ``crossbar.rows`` consecutive rows and packed into
    PEs and tiles, its last tile partly empty; neurosim: DNN+NeuroSim V1.4's floorplan rule
    (:mod:`cimsim.mapping.neurosim`): each kernel position of a large conv layer in its own subarrays, copies
    added into the spare subarray slots of a layer's tiles, the layer occupying every subarray slot of NeuroSim's
    tiles (used or not), and, when every row group is read (``all_groups``, ``dense``), the empty row groups of a
    subarray holding weights read too (copies are packed)."""

    @property
    def packs_copies(self) -> bool:
        """Copies of a duplicated layer fill PEs and tiles one after the other (``pack_copies``, ``share_tiles``
        or the ``neurosim`` granularity)."""
        return self.pack_copies or self.share_tiles or self.granularity == "neurosim"


class RunOptions(_Frozen):
    """How a run counts and evaluates the chip (not part of the hardware hash).

    The ADC range rule (``adc.range``, ``adc.calibration_*``) still sits in the hardware's ADC section.
    """

    accounting: Literal["event", "dense", "all_groups"] = "event"
    """event: only row groups holding a spike are read, only rows with a spike are driven; dense: every row of
    every row group of every mapped crossbar every timestep (SpikeSim's accounting); all_groups: every row group
    is read and converted every timestep but only rows with a spike are driven (DNN+NeuroSim's synchronous reads
    of real activation traces)."""
    mapping: MappingConfig = MappingConfig()
    """The mapping policy (duplication, tile sharing, packing)."""
    ideal_adc: bool = False
    """Treat the ADC as ideal (functional check of mapping and dataflow; every conversion is still priced)."""
    fidelity: bool = True
    """With a finite ADC, also evaluate the ideal network and report how many spikes the ADC changed (one extra
    dense forward pass)."""

    def options_hash(self) -> str:
        """Stable hash of the options (recorded in ``report.meta.run_options_hash``)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def with_changes(self, changes: dict) -> "RunOptions":
        """A copy with dotted-path changes, e.g. ``{"accounting": "dense", "mapping.share_tiles": True}``.

        Raises
        ------
        UserError: unknown path or an invalid value.
        """
        data = self.model_dump()
        for path, value in changes.items():
            keys = path.split(".")
            dotted_slot(data, keys, f"run option {path!r}")[keys[-1]] = value
        try:
            return RunOptions.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise UserError(f"run option {loc}: {err['msg']} (changes {changes})") from None


def is_run_option(path: str) -> bool:
    """True when a dotted override path names a run option (``accounting``, ``mapping.share_tiles``)."""
    return path.split(".", 1)[0] in RunOptions.model_fields


def split_overrides(overrides: dict | None) -> tuple[dict, dict]:
    """Dotted-path overrides -> ``(hardware changes, run-option changes)``."""
    hw, run = {}, {}
    for path, value in (overrides or {}).items():
        (run if is_run_option(path) else hw)[path] = value
    return hw, run


def parse_overrides(items: list[str]) -> dict:
    """``["adc.bits=6", "crossbar.rows=128"]`` -> ``{"adc.bits": 6, "crossbar.rows": 128}`` (values parsed as YAML
    scalars, so ``500 MHz`` stays a string for the loader's units).

    Raises
    ------
    UserError: an item without ``=``, with an empty field name, or a value that is not a YAML scalar, list or
        mapping (``[1``), not finite or absurdly large; the message names the option.
    """
    from cimsim.config import yamlfile

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        shown = yamlfile.one_line(item, 80)
        if not sep or not key.strip() or any(not k.strip() for k in key.split(".")):
            raise UserError(f"--set {shown}: expected FIELD=VALUE, e.g. --set adc.bits=6")
        out[key.strip()] = yamlfile.parse(value, f"--set {shown}", tuple(key.strip().split(".")))
    return out
