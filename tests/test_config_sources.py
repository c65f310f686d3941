"""Sources of hardware numbers: a references.bib key (a typo is an error), a DOI, a URL or an inline citation
naming its year; the text is kept as written and reaches the report's priced table."""
import textwrap

import pytest

from cimsim.api import simulate
from cimsim.config.loader import PRESET_DIR, load_config, source_kind
from cimsim.errors import UserError

CITATION = "Shafiee et al., ISCA 2016, Table 6"


def _config(tmp_path, energy_source: str, rows_source: str = "spikesim2023"):
    path = tmp_path / "mine" / "chip.yaml"  # no references.bib beside it: only the presets' bib holds keys
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(f"""\
        include: {PRESET_DIR / 'spikesim_rram_65nm.yaml'}
        adc:
          costs:
            energy: {{value: 2.5 pJ, source: "{energy_source}"}}
        sources:
          crossbar.rows: "{rows_source}"
        """))
    return path


@pytest.mark.parametrize("text,kind", [
    ("spikesim2023", "key"), ("10.1109/ISCA.2016.12", "doi"), ("doi:10.1109/ISCA.2016.12", "doi"),
    ("https://doi.org/10.1145/3007787.3001139", "doi"), ("https://example.com/adc.pdf", "url"),
    (CITATION, "citation"), ("Murmann, ADC Performance Survey 1997-2024", "citation"), ("my guess", "vague"),
    ("Table 6 of the ISAAC paper", "vague"),
])
def test_source_kind_rule(text, kind):
    assert source_kind(text) == kind


@pytest.mark.parametrize("source", [CITATION, "10.1109/ISCA.2016.12", "https://example.com/adc-datasheet.pdf"])
def test_inline_sources_are_kept_into_the_report(tmp_path, source):
    chip = load_config(_config(tmp_path, source, rows_source=CITATION))
    assert chip.adc.costs.energy.source == source and chip.sources["crossbar.rows"] == CITATION
    report = simulate("tiny", chip, timesteps=2).to_dict()
    adc = [row for row in report["priced_table"] if row["component"] == "adc"]
    assert adc and all(row["sources"]["energy"] == source for row in adc)


@pytest.mark.parametrize("source,message", [
    ("spikesim2032", "unknown reference, not an entry of"),  # a typo'd key is still an error
    ("my guess", "an inline citation names its year"),
])
def test_typo_keys_and_vague_notes_are_one_line_errors(tmp_path, source, message):
    with pytest.raises(UserError) as info:
        load_config(_config(tmp_path, source))
    text = str(info.value)
    assert "field adc.costs.energy.source" in text and message in text and source in text and "\n" not in text
    with pytest.raises(UserError, match="field sources.crossbar.rows"):
        load_config(_config(tmp_path, CITATION, rows_source=source))
