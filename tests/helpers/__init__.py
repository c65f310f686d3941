"""Test scaffolding: synthetic reports, candidates and sweeps, and layout checks of rendered figures."""
