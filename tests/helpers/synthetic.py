"""Internally consistent synthetic reports, candidates and sweeps, for tests and for trying the figures.

The numbers are random (seeded), not physical: they only respect the report schema (breakdowns sum to the
totals, per-layer energies sum to the energy total, SI units).
"""
from __future__ import annotations

import numpy as np

from cimsim.cost.area import AREA_COMPONENTS
from cimsim.cost.energy import ENERGY_COMPONENTS
from cimsim.engine.schedule import STAGES as LATENCY_STAGES


def _split(rng: np.random.Generator, total: float, keys) -> dict[str, float]:
    weights = rng.dirichlet(np.full(len(keys), 0.8))
    parts = {k: float(total * w) for k, w in zip(keys, weights)}
    # make the float sum exact up to rounding by assigning the remainder to the largest part
    largest = max(parts, key=parts.get)
    parts[largest] += total - sum(parts.values())
    return parts


def synthetic_report(seed: int, n_layers: int = 8, samples: int = 4, model: str = "vgg9", hw: str = "rram-demo",
                     extra_components: tuple[str, ...] = (), layer_names: "list[str] | None" = None) -> dict:
    """A random report that satisfies the schema of ``cimsim simulate``'s report.json.

    Parameters
    ----------
    seed: random seed.
    n_layers: number of layers (ignored when ``layer_names`` is given).
    samples: inferences in the run (energy and latency totals are per run).
    extra_components: component names outside the known set, added to the energy and area breakdowns.
    """
    rng = np.random.default_rng(seed)
    names = list(layer_names) if layer_names is not None else [f"conv{i + 1}" for i in range(n_layers - 1)] + ["fc"]
    area = float(rng.uniform(5e-6, 200e-6))
    energy = float(rng.uniform(1e-6, 500e-6)) * samples
    clock_hz = 1e9
    cycles = int(rng.integers(100_000, 5_000_000)) * samples
    latency = cycles / clock_hz
    energy_keys = ENERGY_COMPONENTS + tuple(extra_components)
    area_keys = AREA_COMPONENTS + tuple(extra_components)
    layer_energy = _split(rng, energy, names)
    layer_cycles = rng.dirichlet(np.ones(len(names))) * cycles * 1.5
    layers = []
    for name in names:
        xbars = int(rng.integers(1, 64))
        spikes_in = int(rng.integers(1_000, 100_000))
        layers.append({
            "name": name, "kind": "linear" if name.startswith("fc") else "conv", "crossbars": xbars,
            "pes": max(1, xbars // 4), "tiles": max(1, xbars // 16), "spikes_in": spikes_in,
            "spikes_out": int(spikes_in * rng.uniform(0.2, 1.5)), "energy_j": layer_energy[name],
            "cycles": int(layer_cycles[names.index(name)]), "latency_s": float(layer_cycles[names.index(name)]) / clock_hz,
            "adc_conversions": int(rng.integers(1e4, 1e6)), "noc_flits": int(rng.integers(100, 10_000)),
        })
    sops = int(sum(layer["spikes_in"] for layer in layers) * 64)
    return {
        "meta": {"model": model, "hw": hw, "config_hash": f"{seed:08x}", "timesteps": 4, "seed": seed,
                 "version": "synthetic", "samples": samples, "accounting": "event"},
        "totals": {"area_m2": area, "energy_j": energy, "latency_s": latency, "cycles": cycles,
                   "energy_per_inference_j": energy / samples,
                   # one inference takes longer than run time / samples when samples overlap in the pipeline
                   "latency_per_inference_s": latency / samples * float(rng.uniform(1.0, 2.0)),
                   "throughput_inf_per_s": samples / latency, "energy_per_sop_j": energy / sops},
        "breakdown": {"area_m2": _split(rng, area, area_keys), "energy_j": _split(rng, energy, energy_keys),
                      "latency_s": _split(rng, latency, LATENCY_STAGES)},
        "layers": layers,
        "activity": {"sops": sops, "spike_rate": float(rng.uniform(0.05, 0.3)),
                     "adc_conversions": sum(layer["adc_conversions"] for layer in layers),
                     "noc_flits": sum(layer["noc_flits"] for layer in layers), "noc_hops": int(rng.integers(1e3, 1e5))},
    }


def synthetic_candidates(seed: int, n: int = 60, constraints: "dict[str, float] | None" = None) -> list[dict]:
    """Random search candidates with a trade-off between accuracy and cost; feasibility from ``constraints``.

    Infeasible candidates have no score and no accuracy (the search skips scoring them), like the real search.
    """
    rng = np.random.default_rng(seed)
    constraints = constraints or {}
    rows = []
    for i in range(n):
        size = float(rng.uniform(0, 1))
        params = int(1e5 + size * 3e6)
        row = {"genotype": f"g{i:03d}", "params": float(params), "memory_bytes": float(params),
               "area_m2": float(10e-6 + size * 150e-6 * rng.uniform(0.7, 1.3)),
               "latency_s": float(1e-3 + size * 0.5 * rng.uniform(0.5, 1.5)),
               "energy_j": float(5e-6 + size * 200e-6 * rng.uniform(0.5, 1.5))}
        failed = [name for name, column in (("memory", "memory_bytes"), ("area", "area_m2"),
                                            ("latency", "latency_s"), ("energy", "energy_j"))
                  if name in constraints and row[column] > constraints[name]]
        quality = 0.6 + 0.3 * size ** 0.5 + float(rng.normal(0, 0.03))
        row.update(feasible=not failed, failed=failed,
                   score=float(quality * 1000) if not failed else float("nan"),
                   accuracy=float(min(quality, 0.99)) if not failed else float("nan"))
        rows.append(row)
    return rows


def synthetic_sweep(seed: int, rows_values=(64, 128, 256, 512), adc_bits=(4, 5, 6, 7, 8)) -> list[dict]:
    """A crossbar.rows x adc.bits sweep with energy/area/latency metrics that vary smoothly plus noise."""
    rng = np.random.default_rng(seed)
    out = []
    for r in rows_values:
        for b in adc_bits:
            out.append({"crossbar.rows": float(r), "adc.bits": float(b),
                        "energy_j": float(20e-6 * (2 ** (b - 4)) * (128 / r) ** 0.5 * rng.uniform(0.9, 1.1)),
                        "area_m2": float(30e-6 * (b / 4) * (r / 128) ** 0.3 * rng.uniform(0.9, 1.1)),
                        "latency_s": float(2e-3 * (b / 4) * rng.uniform(0.9, 1.1)),
                        "accuracy": float(0.93 - 0.08 * max(0, 6 - b) * rng.uniform(0.8, 1.2))})
    return out
