"""Hardware configuration: the typed :class:`~cimsim.config.schema.Chip` model and its YAML loader."""
from cimsim.config.loader import describe, list_presets, load_config
from cimsim.config.schema import Chip

__all__ = ["Chip", "describe", "list_presets", "load_config"]
