"""Alert enqueue speed: a sync of N changed trials against M subscriptions, on SQLite (default) or PostgreSQL.

Setup (not timed): a store of ``--trials`` synthetic trials (real records from ../shared/data/ctgov_api_v2
with new NCT ids), ``--subscriptions`` confirmed subscriptions (90 % to single trials, 10 % to conditions,
over one address per two subscriptions). Timed: importing ``--changed`` later copies of stored trials
(a new status and a new site each, 500 per transaction) with the alerts write hook, so each batch's
field-level diffs are computed and its alert items written in the same transaction; and, for
comparison, the same import into a copy of the database without the hook.

    python benchmarks/alerts_enqueue.py [--trials 20000] [--changed 10000] [--subscriptions 100000]
                                        [--db-url URL | --throwaway-postgres]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import shutil
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from trialscout.alerts.enqueue import enqueue_alerts
from trialscout.registry.files import SourceRecord
from trialscout.store import TrialStore, ingest
from trialscout.store.schema import alert_items, alert_subscribers, alert_subscriptions

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ctgov_api_v2"
GUANGZHOU = {"facility": "Third Affiliated Hospital of Sun Yat-sen University", "status": "RECRUITING",
             "city": "Guangzhou", "state": "Guangdong", "zip": "510630", "country": "China"}
STATUSES = ["COMPLETED", "ACTIVE_NOT_RECRUITING", "TERMINATED", "SUSPENDED"]


def real_records() -> list[dict]:
    found = [s for path in sorted(SHARED.glob("*/*.json")) for s in json.loads(path.read_text(encoding="utf-8"))]
    return [s for s in found if s["protocolSection"]["statusModule"].get("lastUpdatePostDateStruct")]


def synthetic(records: list[dict], count: int, rng: random.Random) -> list[dict]:
    made = []
    for n in range(count):
        study = copy.deepcopy(rng.choice(records))
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT{80_000_000 + n:08d}"
        made.append(study)
    return made


def later(study: dict, rng: random.Random) -> dict:
    study = copy.deepcopy(study)
    status = study["protocolSection"]["statusModule"]
    status["overallStatus"] = rng.choice([s for s in STATUSES if s != status.get("overallStatus")])
    struct = status["lastUpdatePostDateStruct"]
    struct["date"] = (date.fromisoformat(struct["date"][:10]) + timedelta(days=30)).isoformat()
    study["protocolSection"].setdefault("contactsLocationsModule", {}).setdefault("locations", []).append(dict(GUANGZHOU))
    return study


def records(studies: list[dict]) -> list[SourceRecord]:
    return [SourceRecord("benchmark", study=s) for s in studies]


def subscribe(store: TrialStore, ids: list[str], conditions: list[str], total: int, rng: random.Random) -> None:
    now = datetime.now(timezone.utc)
    people = max(total // 2, 1)
    with store.engine.begin() as conn:
        for start in range(0, people, 5000):
            conn.execute(alert_subscribers.insert(), [
                {"key": f"{n:032x}", "email": f"reader{n}@example.org", "email_hash": f"{n:064x}",
                 "frequency": "immediate", "created_at": now, "last_digest_at": None}
                for n in range(start, min(start + 5000, people))])
        first = conn.execute(sa.select(sa.func.min(alert_subscribers.c.id))).scalar_one()
        rows = []
        for n in range(total):
            trial = n % 10 != 9
            target = rng.choice(ids) if trial else rng.choice(conditions)
            rows.append({"key": f"{n:032x}", "request_key": f"{n:032x}", "subscriber_id": first + n % people,
                         "kind": "trial" if trial else "condition", "nct_id": target if trial else None,
                         "query": None if trial else json.dumps({"q": target}), "target_key": f"{n:064x}",
                         "label": f"updates about {target}", "state": "active", "created_at": now,
                         "confirmed_at": now})
            if len(rows) == 5000:
                conn.execute(alert_subscriptions.insert(), rows)
                rows = []
        if rows:
            conn.execute(alert_subscriptions.insert(), rows)


def timed_sync(store: TrialStore, changed: list[dict]) -> tuple[float, int]:
    started = time.perf_counter()
    report = ingest(records(changed), store, batch_size=500)
    return time.perf_counter() - started, len(report.result.changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--changed", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--db-url", help="a PostgreSQL URL (empty database); default: SQLite in a temp folder")
    parser.add_argument("--throwaway-postgres", action="store_true",
                        help="start a private PostgreSQL server for the run (tests/support/postgres.py)")
    args = parser.parse_args()
    if args.throwaway_postgres:
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from support.postgres import PostgresServer

        with PostgresServer() as server:
            args.db_url = server.create_database()
            run(args)
        return
    run(args)


def run(args: argparse.Namespace) -> None:
    rng = random.Random(11)
    folder = Path(tempfile.mkdtemp(prefix="trialscout-alerts-bench-"))
    url = args.db_url or f"sqlite:///{folder / 'bench.db'}"
    try:
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{'PostgreSQL' if args.db_url else 'SQLite'}")
        base = real_records()
        trials = synthetic(base, args.trials, rng)
        store = TrialStore(url)
        t = time.perf_counter()
        ingest(records(trials), store, batch_size=500)
        ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in trials]
        conditions = sorted({c for s in base for c in s["protocolSection"].get("conditionsModule", {}).get("conditions", [])})
        subscribe(store, ids, conditions, args.subscriptions, rng)
        changed_ids = set(rng.sample(ids, args.changed))
        changed = [later(s, rng) for s in trials if s["protocolSection"]["identificationModule"]["nctId"] in changed_ids]
        print(f"setup: {args.trials:,} trials, {args.subscriptions:,} subscriptions "
              f"({args.subscriptions // 10 * 9:,} to trials, {args.subscriptions // 10:,} to {len(conditions):,} conditions) "
              f"in {time.perf_counter() - t:.1f} s")
        baseline = None
        if not args.db_url:
            store.close()
            shutil.copy(folder / "bench.db", folder / "copy.db")
            plain = TrialStore(f"sqlite:///{folder / 'copy.db'}")
            baseline, _ = timed_sync(plain, changed)
            plain.close()
            store = TrialStore(url)
        hook_seconds = [0.0]

        def timed_hook(conn, result, now):  # the alerts hook, timed inside each batch's transaction
            started = time.perf_counter()
            enqueue_alerts(conn, result, now)
            hook_seconds[0] += time.perf_counter() - started

        store.write_hooks.append(timed_hook)
        seconds, count = timed_sync(store, changed)
        with store.engine.connect() as conn:
            items = conn.execute(sa.select(sa.func.count()).select_from(alert_items)).scalar_one()
            watched = conn.execute(sa.select(sa.func.count(sa.distinct(alert_items.c.nct_id)))).scalar_one()
        store.close()
        print(f"sync of {count:,} changed trials with alerts: {seconds:.1f} s "
              f"({count / seconds:,.0f} trials/s); {items:,} alert items enqueued for {watched:,} followed trials")
        print(f"of which the alerts hook (find followers, keep meaningful changes, write items): {hook_seconds[0]:.1f} s "
              f"({hook_seconds[0] / max(items, 1) * 1e6:.0f} us per item)")
        if baseline is not None:
            print(f"the same sync without alerts (a copy of the database, run just before): {baseline:.1f} s")
        if (args.changed, args.subscriptions) == (10_000, 100_000):
            print(f"target: <= 60 s for 10,000 changed trials against 100,000 subscriptions: "
                  f"{'met' if seconds <= 60 else 'NOT met'}")
        else:
            print("target (10,000 changed trials, 100,000 subscriptions) not judged on this smaller run")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
