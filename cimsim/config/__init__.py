"""Hardware configuration: the typed :class:`~cimsim.config.schema.Chip` model and its YAML loader.

The re-exports are lazy: the schema is assembled from the component registry (:mod:`cimsim.components`), whose
modules use this package's field types (:mod:`cimsim.config.quantity`) while they load.
"""

__all__ = ["Chip", "describe", "list_presets", "load_config"]


def __getattr__(name):
    if name == "Chip":
        from cimsim.config.schema import Chip

        return Chip
    if name in ("describe", "list_presets", "load_config"):
        from cimsim.config import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'cimsim.config' has no attribute {name!r}")
