"""A PostgreSQL server from Debian's packages on loopback, for a Prefect server that takes parallel writes.

Install it with `apt-get install postgresql` (the benchmarks skip the PostgreSQL rows when it is absent).
The cluster lives in a temporary directory and trusts local connections; as root it runs as the
`postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def available() -> bool:
    return all(_binary(name) for name in ("initdb", "pg_ctl", "createdb"))


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throwaway cluster; yield a SQLAlchemy URL for Prefect (asyncpg driver)."""
    # Its own directory under the system's temporary one, which the postgres user can reach.
    with tempfile.TemporaryDirectory(prefix="bench-postgres-") as name:
        yield from _cluster(Path(name))


def _cluster(directory: Path) -> Iterator[str]:
    data, sockets = directory / "data", directory / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()

    def run(command: list[str]) -> None:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True)

    run(_as_owner([str(_binary("initdb")), "-D", str(data), "-A", "trust", "-U", "postgres"]))
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
    pg_ctl = str(_binary("pg_ctl"))
    log = directory / "postgres.log"
    run(_as_owner([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]))
    try:
        createdb = [str(_binary("createdb")), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "prefect"]
        run(createdb)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
    finally:
        run(_as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]))
