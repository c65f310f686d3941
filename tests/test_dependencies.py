"""Dependencies run one way (neuronas -> cimsim -> kernels): cimsim imports nothing from neuronas."""
import subprocess
import sys
import textwrap

CODE = textwrap.dedent("""
    import importlib, importlib.abc, pkgutil, sys

    class Blocked(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "neuronas" or name.startswith("neuronas."):
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Blocked())
    import cimsim
    names = [m.name for m in pkgutil.walk_packages(cimsim.__path__, "cimsim.")]
    for name in names:
        importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m == "neuronas" or m.startswith("neuronas."))
    assert not leaked, leaked
    print(len(names))
""")


def test_cimsim_imports_nothing_from_neuronas():
    r = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[-1]) > 30  # every module was imported (cimsim.cli, cli_simulate, inputs ...)
