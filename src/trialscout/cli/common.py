"""What every command shares: settings, the store, JSON output and progress bars."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..config import ConfigError, Settings, load_settings
from ..services import load_demo_if_empty, open_store
from ..store import StoreError, TrialStore

out = Console()
err = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")


def fail(message: str, code: int = 1) -> None:
    """Print a one-line error to stderr and exit (never wrapped; brackets in file names are not markup)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))
        raise


def store(with_demo: bool = True) -> TrialStore:
    """Open the configured store; load the demo snapshot on first run."""
    cfg = settings()
    try:
        opened = open_store(cfg)
    except StoreError as exc:
        fail(str(exc))
        raise
    if with_demo and cfg.load_demo and opened.count() == 0:
        with progress_bar("Loading the demo snapshot") as advance:
            load_demo_if_empty(opened, cfg, progress=advance)
    return opened


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (so ``--json`` output stays clean); yields ``advance(n)``."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=False, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)
