"""docs/your-snn-on-a-chip.md: its python code blocks run, in order, in one namespace."""
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("snntorch")
pytest.importorskip("spikingjelly")
pytest.importorskip("nir")

DOC = Path(__file__).resolve().parents[1] / "docs" / "your-snn-on-a-chip.md"


def test_tutorial_code_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{DOC.name} block {i + 1}", "exec"), namespace)
    assert (tmp_path / "results" / "my_snn" / "report.json").is_file()
    assert (tmp_path / "results" / "my_nir" / "report.json").is_file()


def test_readme_links_the_tutorial():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "docs/your-snn-on-a-chip.md" in readme and os.path.isfile(DOC)
