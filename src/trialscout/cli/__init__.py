"""The ``trialscout`` command: every web feature has a command, and every command that
prints data has ``--json``."""

from __future__ import annotations

import typer

from . import (check, derive, evaluate, evaluate_criteria, evaluate_plain, index, match, notify, search, serve, sync,
               trials)

app = typer.Typer(
    help="trialscout: a local, versioned copy of the clinical-trial registry, in plain words.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
trials.register(app)
derive.register(app)
serve.register(app)
sync.register(app)
search.register(app)
index.register(app)
evaluate.register(app)
evaluate_plain.register(app)
evaluate_criteria.register(app)
notify.register(app)
check.register(app)
match.register(app)


def main() -> None:
    app()
