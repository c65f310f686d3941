"""The terminal summary: one denominator on the spike-change line, per run / per inference on every line."""
from cimsim.api import simulate


def test_summary_states_per_run_or_per_inference_and_one_denominator():
    r = simulate("tiny", "spikesim_rram_65nm", timesteps=2, samples=2)
    r.fidelity = {"spikes_changed": 640, "spikes_total": 89, "spike_change_rate": 0.01, "prediction_agreement": 1.0}
    lines = r.summary().splitlines()
    fid = next(line for line in lines if line.startswith("ADC fidelity"))
    assert "640 spike events changed vs 89 in the ideal run (719.101% of them)" in fid and "(per run)" in fid
    assert "energy/inference" in lines[1] and "latency/inference" in lines[1]
    for title in ("energy [", "latency [", "layers ("):
        line = next(x for x in lines if x.startswith(title))
        assert "per run of 2 inferences" in line, line
