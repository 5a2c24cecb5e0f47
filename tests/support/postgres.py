"""A PostgreSQL server from Debian's packages on loopback, speaking TLS and taking a password, as RDS does.

Install it with `apt-get install postgresql` (`scripts/test` does when `initdb` is missing; the benchmarks skip
the PostgreSQL rows when it is absent). The cluster lives in a temporary directory with a certificate for
127.0.0.1 from a CA made for it alone. Connections over TCP must use TLS and the login's password
(scram-sha-256), so a client with a wrong password or without TLS is refused, as RDS refuses it; only the
cluster's own socket, in that directory, trusts its superuser to set the login up. As root the cluster runs
as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import ipaddress
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"
DATABASE = "prefect"
USER = "prefect"
#: Punctuation a generated RDS password may hold, so a login URL built without quoting it breaks here too.
_PASSWORD_PUNCTUATION = "!#%^&*()-_=+[]{};:,.<>?~$"


@dataclass(frozen=True)
class Postgres:
    """Where the running cluster listens and the login that owns its database."""

    host: str
    port: int
    database: str
    user: str
    password: str
    #: The CA that signed the server's certificate: a client verifying against it reaches only this cluster.
    ca_file: Path

    @property
    def url(self) -> str:
        """A SQLAlchemy URL for Prefect's asyncpg driver (asyncpg's default TLS mode encrypts, unverified)."""
        login = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"postgresql+asyncpg://{login}@{self.host}:{self.port}/{self.database}"


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def available() -> bool:
    return all(_binary(name) for name in ("initdb", "pg_ctl", "psql"))


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    pkcs8 = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())


def _ca(start: datetime.datetime, end: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "prefect-ecs-platform test CA")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.UTC)
    # Backdated: a clock a little behind on either side must not make the certificate "not yet valid".
    return now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)


def unrelated_ca(path: Path) -> Path:
    """Write another CA, with the same name as the cluster's but not the one that signed it, to `path`."""
    certificate, _ = _ca(*_validity())
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signed for 127.0.0.1; returns (ca, certificate, key) files."""
    start, end = _validity()
    ca, ca_key = _ca(start, end)
    ca_name = ca.subject
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        # Hostname checks match an IP address against IP entries of the SAN only, never the common name.
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = directory / "ca.crt", directory / "server.crt", directory / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    # PostgreSQL refuses a key file others can read.
    key_file.touch(mode=0o600)
    key_file.write_bytes(_pem(server_key))
    return ca_file, cert_file, key_file


@contextlib.contextmanager
def running_postgres() -> Iterator[Postgres]:
    """Start a throwaway cluster with TLS and a password login that owns database `prefect`; stop it after."""
    if not available():
        raise RuntimeError("PostgreSQL is not installed: `apt-get install postgresql` (scripts/test installs it)")
    # Its own directory under the system's temporary one, which the postgres user can reach.
    with tempfile.TemporaryDirectory(prefix="test-postgres-") as name:
        yield from _cluster(Path(name))


def _cluster(directory: Path) -> Iterator[Postgres]:
    data, sockets, tls = directory / "data", directory / "sockets", directory / "tls"
    for path in (data, sockets, tls):
        path.mkdir()
    ca_file, cert_file, key_file = _certificates(tls)
    if os.geteuid() == 0:
        for path in (directory, data, sockets, tls, cert_file, key_file):
            shutil.chown(path, "postgres")
    # The test's client and the server under test, whatever user they run as, read the CA.
    directory.chmod(0o755)
    tls.chmod(0o755)
    ca_file.chmod(0o644)
    port = _free_port()
    password = secrets.token_urlsafe(16) + "".join(secrets.choice(_PASSWORD_PUNCTUATION) for _ in range(8))

    def run(command: list[str], stdin: str | None = None) -> None:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    run(_as_owner([str(_binary("initdb")), "-D", str(data), "-U", "postgres", "--auth-local=trust"]))
    (data / "pg_hba.conf").write_text(
        "# Only the cluster's own socket trusts; over TCP only TLS with a password gets in.\n"
        "local all postgres trust\n"
        f"hostssl {DATABASE} {USER} {HOST}/32 scram-sha-256\n"
    )
    options = " ".join(
        [
            f"-p {port} -k {sockets} -c listen_addresses={HOST}",
            "-c max_connections=200 -c fsync=off",
            f"-c ssl=on -c ssl_cert_file={cert_file} -c ssl_key_file={key_file}",
            "-c password_encryption=scram-sha-256",
        ]
    )
    pg_ctl = str(_binary("pg_ctl"))
    log = directory / "postgres.log"
    run(_as_owner([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]))
    try:
        psql = [str(_binary("psql")), "-h", str(sockets), "-p", str(port), "-U", "postgres", "-d", "postgres"]
        # The password goes in as a psql variable, quoted by psql, so no character of it can break the statement.
        run(
            [*psql, "-v", "ON_ERROR_STOP=1", "-v", f"password={password}", "-f", "-"],
            stdin=f"CREATE ROLE {USER} LOGIN PASSWORD :'password';\nCREATE DATABASE {DATABASE} OWNER {USER};\n",
        )
        yield Postgres(HOST, port, DATABASE, USER, password, ca_file)
    finally:
        run(_as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]))
