"""Alembic migrations on SQLite and PostgreSQL: an empty database to head, a no-op when current,
step by step from the first revision, and a schema identical to store/schema.py's metadata."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from trialscout.store import TrialStore
from trialscout.store.migrate import alembic_config, upgrade
from trialscout.store.repository import create_store_engine
from trialscout.store.schema import metadata
from trialscout.trial import trial_from_ctgov

TABLES = set(metadata.tables)  # trials, trial_versions, derived, and whatever later features add


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, metadata)


def test_an_empty_database_is_brought_to_head(store_url):
    engine = create_store_engine(store_url)
    assert sa.inspect(engine).get_table_names() == []
    assert current(engine) is None
    store = TrialStore(store_url)
    try:
        assert current(store.engine) == revisions()[-1]
        assert set(sa.inspect(store.engine).get_table_names()) == TABLES | {"alembic_version"}
        assert differences(store.engine) == []
    finally:
        store.close()
        engine.dispose()


def test_migrations_make_exactly_the_schema_in_schema_py(store_url):
    config = alembic_config(store_url)
    command.upgrade(config, "head")  # through env.py's URL path, as `alembic upgrade head` would
    command.check(config)  # raises if autogenerate finds any difference
    engine = create_store_engine(store_url)
    try:
        assert differences(engine) == []
        indexes = {t: {i["name"] for i in sa.inspect(engine).get_indexes(t)} for t in TABLES}
        assert indexes == {t: {i.name for i in metadata.tables[t].indexes} for t in TABLES}
    finally:
        engine.dispose()


def test_reopening_a_current_database_is_a_no_op(store_url, real_studies):
    store = TrialStore(store_url)
    store.upsert([trial_from_ctgov(real_studies[0])])
    store.close()

    statements: list[str] = []
    engine = create_store_engine(store_url)
    sa.event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: statements.append(statement))
    upgrade(engine)
    writes = [s for s in statements if s.lstrip().split()[0].upper() in {"CREATE", "ALTER", "DROP", "INSERT",
                                                                         "UPDATE", "DELETE"}]
    assert writes == []
    engine.dispose()

    command.upgrade(alembic_config(store_url), "head")  # the alembic command agrees: nothing to do
    reopened = TrialStore(store_url)
    try:
        assert reopened.count() == 1 and current(reopened.engine) == revisions()[-1]
    finally:
        reopened.close()


def test_step_by_step_from_the_first_revision_keeps_data(store_url, real_studies):
    steps = revisions()
    config = alembic_config(store_url)
    command.upgrade(config, steps[0])
    engine = create_store_engine(store_url)
    assert current(engine) == steps[0]
    trial = trial_from_ctgov(real_studies[0])
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO trials (nct_id, version, content_hash, first_seen, last_changed, title, source_format, record)"
            " VALUES (:id, 1, 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :title, 'ctgov-api-v2', '{}')"
        ), {"id": trial.nct_id, "title": trial.title})
    engine.dispose()

    store = TrialStore(store_url)
    try:
        assert current(store.engine) == steps[-1]
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT nct_id FROM trials")).scalars().all() == [trial.nct_id]
        assert differences(store.engine) == []
    finally:
        store.close()


def test_downgrade_to_base_and_up_again(store_url):
    config = alembic_config(store_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_store_engine(store_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert differences(engine) == [] and current(engine) == revisions()[-1]
    finally:
        engine.dispose()
