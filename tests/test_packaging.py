"""A regular (non-editable) install works outside the source tree: the wheel carries the presets, the bibliography
and the compiled kernels, and the three commands a new user runs first succeed.

The wheel is installed with ``--no-deps`` into a fresh venv that borrows this environment's third-party packages
through a ``.pth`` line (torch and the rest are not downloaded again); the project itself is only visible from the
wheel, and every command runs from an empty directory, so nothing can come from the source tree.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    # build from a copy of the sources: a developer's old build/ directory would otherwise put modules that no
    # longer exist into the wheel (setuptools copies into build/lib but never removes)
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "*.so",
                                                             "*.c", "__pycache__", ".numba_cache", "results", "out",
                                                             ".pytest_cache", ".hypothesis"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                        "-w", str(tmp / "dist")], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("neuronas-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    # borrow the third-party packages through links, leaving out this project's own (an editable install's
    # metadata would make pip skip the wheel, and its finder would serve the source tree)
    borrowed = tmp / "borrowed"
    borrowed.mkdir()
    ours = ("neuronas", "__editable__", "cimsim", "kernels", "hwconfigs")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(ours) and entry.suffix != ".pth":
            (borrowed / entry.name).symlink_to(entry)
    (site / "borrowed.pth").write_text(f"{borrowed}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CIMSIM_HWCONFIGS")}
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", str(wheel)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp / "elsewhere"
    work.mkdir()
    env["NUMBA_CACHE_DIR"] = str(tmp / "numba")
    return venv / "bin", work, env


def _run(wheel_env, *args, timeout=600):
    bindir, work, env = wheel_env
    return subprocess.run([str(bindir / args[0]), *args[1:]], capture_output=True, text=True, cwd=work, env=env,
                          timeout=timeout)


def test_installed_package_comes_from_the_wheel(wheel_env):
    bindir, work, env = wheel_env
    r = subprocess.run([str(bindir / "python"), "-c", "import cimsim, kernels; print(cimsim.__file__, kernels.__file__)"],
                       capture_output=True, text=True, cwd=work, env=env)
    assert r.returncode == 0, r.stderr
    assert str(ROOT) not in r.stdout and "site-packages" in r.stdout


def test_configs_lists_the_presets(wheel_env):
    r = _run(wheel_env, "cimsim", "configs")
    assert r.returncode == 0, r.stderr
    for preset in ("spikesim_rram_65nm", "neurosim_rram_22nm", "isaac_rram_32nm"):
        assert preset in r.stdout


def test_simulate_a_builtin_network(wheel_env):
    r = _run(wheel_env, "cimsim", "simulate", "vgg9", "--hw", "spikesim_rram_65nm", "--timesteps", "2", "--out", "vgg9")
    assert r.returncode == 0, r.stderr[-3000:]
    assert (wheel_env[1] / "vgg9" / "report.json").is_file()


def test_search_on_digits(wheel_env):
    r = _run(wheel_env, "neuronas", "search", "--dataset", "digits", "--hw", "spikesim_rram_65nm", "--candidates", "4",
             "--channels", "4", "--hidden", "16", "--top-k", "1", "--epochs", "1", "--constraints", "memory=2e5",
             "--out", "search", "--no-progress", "--threads", "1", timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (wheel_env[1] / "search" / "best.json").is_file()
