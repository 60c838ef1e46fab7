"""``trialscout eval plain`` prints the figures, its last line a one-line summary of them."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from trialscout.cli import app


def test_eval_plain_prints_the_figures_and_ends_with_a_summary_line(trialscout_home):
    result = CliRunner().invoke(app, ["eval", "plain"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    last = lines[-1]
    assert last.startswith("plain: 801 trials")
    share = float(re.search(r"grade ≤ 8 in ([\d.]+)% of summaries", last).group(1))
    assert share >= 90
    assert "0 ungrounded sentences published" in last
    assert "sections 100.0% where the data exists" in last
    assert re.search(r"[\d,]+ trials/s$", last)
    assert "Ungrounded sentences published" in result.output and "Generation speed" in result.output
