"""Smoke tests of the shared fixtures: real PostgreSQL, both store URLs, the browser."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from support.browser import serve_app


@pytest.mark.postgres
def test_postgres_runs_sql(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    assert postgres_url.endswith("/trialscout_test")
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS smoke (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO smoke (name) VALUES (:a), (:b)"), [{"a": "alpha", "b": "beta"}])
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT name FROM smoke ORDER BY id")).scalars().all()
            version = conn.execute(sa.text("SHOW server_version")).scalar()
            fsync = conn.execute(sa.text("SHOW fsync")).scalar()
        assert names[:2] == ["alpha", "beta"]
        assert int(version.split(".")[0]) >= 13
        assert fsync == "off"
    finally:
        engine.dispose()


def test_store_url_is_fresh_and_works(store_url, request):
    engine = sa.create_engine(store_url)
    try:
        assert sa.inspect(engine).get_table_names() == []  # fresh, empty database
        meta = sa.MetaData()
        trials = sa.Table(
            "trials",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("nct_id", sa.String(16), unique=True, nullable=False),
            sa.Column("title", sa.Text),
        )
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(trials.insert(), [{"nct_id": "NCT00000001", "title": "Café trial ✓"}])
        with engine.connect() as conn:
            assert conn.execute(sa.select(trials.c.title)).scalar_one() == "Café trial ✓"
        expected = {"sqlite": "sqlite", "postgresql": "postgresql"}[request.node.callspec.params["store_url"]]
        assert engine.dialect.name == expected
    finally:
        engine.dispose()


def test_trialscout_home_and_shared_dir(trialscout_home, shared_dir):
    assert os.environ["TRIALSCOUT_HOME"] == str(trialscout_home)
    assert trialscout_home.is_dir()
    assert shared_dir.name == "shared" or "TRIALSCOUT_SHARED" in os.environ


def _tiny_app():
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def index():
        return (
            "<!doctype html><html><head>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>trialscout smoke</title></head>"
            "<body><h1>Hello from trialscout</h1></body></html>"
        )

    return app


@pytest.mark.browser
def test_browser_reads_served_page(page):
    with serve_app(_tiny_app()) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        page.goto(base_url + "/")
        assert page.title() == "trialscout smoke"
        assert page.locator("h1").inner_text() == "Hello from trialscout"


@pytest.mark.browser
def test_phone_page_is_mobile_sized(phone_page):
    with serve_app(_tiny_app()) as base_url:
        phone_page.goto(base_url + "/")
        assert phone_page.evaluate("window.innerWidth") == 390
        assert phone_page.evaluate("screen.width") == 390
        assert phone_page.evaluate("matchMedia('(pointer: coarse)').matches") is True
