"""`trialscout derive` rebuilds derived data from the store."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from trialscout.cli import app
from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.store import TrialStore
from trialscout.store.schema import derived

runner = CliRunner()


def test_derive_restores_what_was_lost(tmp_path):
    env = {"TRIALSCOUT_HOME": str(tmp_path), "TRIALSCOUT_LOAD_DEMO": "false"}
    assert runner.invoke(app, ["import", str(DEMO_DIR / "seeds")], env=env).exit_code == 0
    store = TrialStore(load_settings(env).db_url)
    assert store.derived("plain").get("NCT06740149") is not None
    with store.engine.begin() as conn:
        conn.execute(derived.delete())
    assert store.derived("plain").get("NCT06740149") is None

    result = runner.invoke(app, ["derive", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["trials"] == 5
    assert store.derived("plain").get("NCT06740149") is not None
    assert store.derived("eligibility").get("NCT06882811") is not None
