"""Field types of the hardware description: physical quantities with their source, and unit metadata.

Kept apart from :mod:`cimsim.config.schema` so that component modules (:mod:`cimsim.components`), which declare
the schema's sections, can use them while the schema is being assembled from the component registry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cimsim.config import units as U


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
    """A physical number in SI units with where it comes from: a bibliography key, a DOI, a URL or an inline
    citation (:func:`cimsim.config.loader.source_kind`)."""

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


def dotted_slot(data: dict, keys: list[str], where: str) -> dict:
    """The mapping inside ``data`` that holds the field ``keys[-1]`` (``keys`` a dotted path split at its dots).

    Raises
    ------
    UserError: a part of the path names no field (message starts with ``where``).
    """
    from cimsim.errors import UserError

    d = data
    for k in keys[:-1]:
        if not isinstance(d, dict) or not isinstance(d.get(k), dict):
            raise UserError(f"{where}: no field {k!r} there")
        d = d[k]
    if keys[-1] not in d:
        raise UserError(f"{where}: no field {keys[-1]!r} there")
    return d
