"""The hardware presets (``*.yaml``), their building blocks (``common/``) and bibliography (``references.bib``).

A package only so that the files ship in the wheel as package data; :mod:`cimsim.config.loader` finds them with
:mod:`importlib.resources`. There is no code here.
"""
