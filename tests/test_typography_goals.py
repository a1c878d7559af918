"""Issue 9's goals, read from the typography report of both sample editions (press PDFs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import ROOT, deadline

from printpipe.cli import main


@pytest.mark.parametrize("year", ["2019", "2020"])
def test_the_samples_meet_the_typography_goals(tmp_path: Path, year: str) -> None:
    with deadline(240):
        result = CliRunner().invoke(
            main,
            ["proof", "--report", "--json", str(ROOT / "editions" / year), "--out", str(tmp_path)],
        )
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)["totals"]
    summary = json.dumps(totals, indent=1)
    assert totals["justified"] > 250 and totals["overfull"] == 0, summary
    # word spacing
    assert totals["over_1_5_pct"] <= 10, summary
    assert totals["over_2_pct"] <= 2, summary
    assert totals["worst_ratio"] <= 3, summary
    # hyphenation
    assert totals["hyphenated_pct"] <= 15, summary
    assert totals["hyphen_stacks"] == 0, summary
    assert totals["short_breaks"] == 0, summary
    assert totals["capitalised_breaks"] == 0, summary
    # kerning and ligatures, with copy and search intact
    assert totals["kern_pairs"] > 100 and totals["kerned"] >= 0.99 * totals["kern_pairs"], summary
    assert totals["ligature_sites"] > 20 and totals["ligatures"] == totals["ligature_sites"]
    assert totals["extraction_intact"] is True
    # the baseline grid of two-column pages
    assert totals["grid_lines"] > 100 and totals["grid_pct"] >= 95, summary
