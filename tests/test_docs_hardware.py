"""docs/hardware-configs.md and `cimsim new-config`: the starter file passes `cimsim check`."""
import re
from pathlib import Path

import pytest

from cimsim.cli import main
from cimsim.config.loader import load_config
from cimsim.errors import UserError
from cimsim.new_config import new_config

DOC = Path(__file__).resolve().parents[1] / "docs" / "hardware-configs.md"


def test_new_config_writes_a_starter_that_passes_check(tmp_path, capsys):
    path = tmp_path / "cfg" / "mychip.yaml"
    main(["new-config", "mychip", "--from", "spikesim_rram_65nm", "--out", str(path)])
    text = path.read_text()
    assert text.startswith("# mychip") and "include:" in text and "# variables:" in text
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "chip mychip" in out
    base, mine = load_config("spikesim_rram_65nm"), load_config(path)
    assert mine.adc == base.adc and mine.tiles == base.tiles
    with pytest.raises(UserError, match="exists"):
        new_config("mychip", "spikesim_rram_65nm", path)


def test_doc_example_overrides_variables_and_fields(tmp_path):
    starter = new_config("mychip", "spikesim_rram_65nm", tmp_path / "mychip.yaml")
    include = re.search(r"^include: (.*)$", starter.read_text(), flags=re.M).group(1)
    example = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.S)[0]
    example = re.sub(r"^include: .*$", f"include: {include}", example, flags=re.M)
    (tmp_path / "doc.yaml").write_text(example)
    chip = load_config(tmp_path / "doc.yaml")
    assert chip.adc.bits == 6 and chip.clock_hz == pytest.approx(200e6) and chip.tiles == 64
