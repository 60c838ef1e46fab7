"""A throwaway, real PostgreSQL server for tests, run from Debian's binaries.

    with PostgresServer() as pg:
        pg.url                      # postgresql+psycopg://postgres@127.0.0.1:PORT/trialscout_test
        url = pg.create_database()  # a fresh, empty database (unique name)
        pg.drop_database(url)

The data directory, unix socket and log live in one temp directory under /tmp
which is removed on exit. The server listens on 127.0.0.1 on a free port with
trust authentication and fsync off. initdb refuses to run as root, so when we
are root initdb and the server run as Debian's ``postgres`` system user
(subprocess's user=/group=; the temp directory is chowned to it, mode 0755).
The server is our own child process, stopped with a fast shutdown on exit.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

try:  # so the server dies with us even if pytest is SIGKILLed/SIGTERMed (no cleanup runs then)
    import ctypes

    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover
    _libc = None

DEFAULT_DB = "trialscout_test"
SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries (or the postgres system user) are missing."""


class _StartFailed(RuntimeError):
    """The postmaster exited during startup (e.g. its port was taken)."""


def find_bindir() -> Path:
    """Directory holding initdb/postgres: $TRIALSCOUT_PG_BINDIR or the newest Debian one."""
    override = os.environ.get("TRIALSCOUT_PG_BINDIR")
    if override:
        candidates = [override]
    else:
        candidates = glob.glob("/usr/lib/postgresql/*/bin")

        def version(path: str) -> tuple[int, ...]:
            m = re.search(r"/postgresql/([\d.]+)/bin", path)
            return tuple(int(p) for p in m.group(1).split(".")) if m else (0,)

        candidates.sort(key=version, reverse=True)
    for c in candidates:
        if (Path(c) / "initdb").is_file() and (Path(c) / "postgres").is_file():
            return Path(c)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked for /usr/lib/postgresql/*/bin/initdb): "
        "install Debian's postgresql package: scripts/test does this"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # Runs in the child after it dropped privileges (a later setuid would clear it).
    if _libc is not None:
        _libc.prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG: immediate shutdown


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # zombie = dead
    except FileNotFoundError:
        return False
    except OSError:
        return True


def remove_stale_dirs(tmp: str = "/tmp") -> None:
    """Delete temp dirs of earlier servers whose test run was killed before cleaning up."""
    for d in glob.glob(os.path.join(tmp, "trialscout-pg-*")):
        pidfile = Path(d) / "data" / "postmaster.pid"
        try:
            if pidfile.exists():
                pid = int(pidfile.read_text().split("\n", 1)[0])
                if _alive(pid):
                    continue  # still running (another test session)
            elif not (Path(d) / "data" / "postmaster.opts").exists() and time.time() - os.path.getmtime(d) < 3600:
                continue  # server never started: maybe another session is still in initdb
        except (OSError, ValueError):
            continue
        shutil.rmtree(d, ignore_errors=True)


class PostgresServer:
    """Context manager: starts a private PostgreSQL server, stops and deletes it on exit."""

    def __init__(self, dbname: str = DEFAULT_DB, startup_timeout: float = 30.0):
        self.dbname = dbname
        self.startup_timeout = startup_timeout
        self.bindir: Path | None = None
        self.tmpdir: Path | None = None
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._run_as: str | None = None
        self._proc: subprocess.Popen | None = None
        self._started = False

    # -- paths -------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "sock"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "postgres.log"

    # -- urls ----------------------------------------------------------------
    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``trialscout_test`` database."""
        return self.url_for(self.dbname)

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq/psycopg connection string (no SQLAlchemy driver prefix)."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname}"

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> "PostgresServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _user_kwargs(self) -> dict:
        """subprocess arguments that drop root privileges to the postgres user."""
        if not self._run_as:
            return {}
        pw = pwd.getpwnam(self._run_as)
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def _env(self) -> dict:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        if self._run_as:
            env["HOME"] = str(self.tmpdir)
            env["USER"] = env["LOGNAME"] = self._run_as
        for k in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSERVICE"):
            env.pop(k, None)
        return env

    def start(self) -> "PostgresServer":
        t0 = time.monotonic()
        self.bindir = find_bindir()
        remove_stale_dirs()
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root but there is no 'postgres' system user to run the server: "
                    "install Debian's postgresql package: scripts/test does this"
                ) from None
            self._run_as = "postgres"
        try:
            self.tmpdir = Path(tempfile.mkdtemp(prefix="trialscout-pg-", dir="/tmp"))
            self._chown(self.tmpdir)
            self._initdb()
            self.socket_dir.mkdir(mode=0o755)
            self._chown(self.socket_dir)
            errors = []
            for _ in range(3):  # the probed free port may be taken before the server binds it
                self.port = free_port()
                try:
                    self._start_postmaster()
                    break
                except _StartFailed as e:
                    errors.append(str(e))
            else:
                raise RuntimeError("PostgreSQL failed to start:\n" + "\n".join(errors))
            self._create_database(self.dbname)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _chown(self, path: Path) -> None:
        os.chmod(path, 0o755)  # traversable by the postgres user
        if self._run_as:
            pw = pwd.getpwnam(self._run_as)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def _initdb(self) -> None:
        proc = subprocess.run(
            [
                str(self.bindir / "initdb"),
                "-D", str(self.datadir),
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=self.tmpdir,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **self._user_kwargs(),
        )
        if proc.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {proc.returncode}):\n{proc.stdout}")

    def _start_postmaster(self) -> None:
        """Run `postgres` as our own child (so it is reaped) and wait until it accepts connections."""
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
            "dynamic_shared_memory_type": "posix",
            "log_min_messages": "warning",
            "logging_collector": "off",
        }
        cmd = [str(self.bindir / "postgres"), "-D", str(self.datadir)]
        for k, v in settings.items():
            cmd += ["-c", f"{k}={v}"]
        log = open(self.logfile, "ab")
        try:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.tmpdir,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal must not hit it before our cleanup
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                **self._user_kwargs(),
            )
        finally:
            log.close()
        deadline = time.monotonic() + self.startup_timeout
        import psycopg

        while True:
            if self._proc.poll() is not None:
                self._proc = None
                raise _StartFailed(self._log_tail())
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    self._started = True
                    return
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not accept connections within {self.startup_timeout}s" + self._log_tail())
            time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            return "\n--- server log ---\n" + self.logfile.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server and delete its directory. Safe to call twice, and after a failed start."""
        proc, self._proc = self._proc, None
        try:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # "fast" shutdown
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGQUIT)  # "immediate" shutdown
                    try:
                        proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
        finally:
            self._started = False
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
                self.tmpdir = None

    # -- databases -------------------------------------------------------------
    def _admin_connect(self):
        import psycopg

        return psycopg.connect(self.dsn("postgres"), autocommit=True, connect_timeout=10)

    def _create_database(self, name: str) -> None:
        from psycopg import sql

        with self._admin_connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def create_database(self, name: str | None = None) -> str:
        """Create a fresh database (unique name unless given); return its SQLAlchemy URL."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        self._create_database(name)
        return self.url_for(name)

    def drop_database(self, name_or_url: str) -> None:
        """Drop a database, disconnecting any sessions still using it."""
        from psycopg import sql

        name = name_or_url.rsplit("/", 1)[-1]
        with self._admin_connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":  # python tests/support/postgres.py: quick manual check
    with PostgresServer() as pg:
        print(pg.url, f"started in {pg.startup_seconds:.2f}s")
