"""TLS for loopback venues, so a ccxt client can keep the venue's real https URLs (and with them
ccxt's URL-based error mapping) while every connection lands on 127.0.0.1.

One throwaway self-signed certificate per process names every venue host; the client trusts exactly
that certificate (hostname checks stay on) and resolves only the venue hosts it was given, so a test
can never reach the internet by accident."""

from __future__ import annotations

import atexit
import datetime
import functools
import ipaddress
import shutil
import socket
import ssl
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

VENUE_HOSTS = (
    "fapi.binance.com",
    "api.binance.com",
    "dapi.binance.com",
    "papi.binance.com",
    "api.bybit.com",
    "www.okx.com",
    "futures.kraken.com",
    "demo-futures.kraken.com",
    "localhost",
)


@functools.cache
def certificate() -> tuple[Path, Path]:
    """(certificate, key) PEM files in a private temporary directory removed at exit."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "perps-bot loopback venue")])
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(h) for h in VENUE_HOSTS]
    sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="loopback-tls-"))
    atexit.register(shutil.rmtree, folder, True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_ssl_context() -> ssl.SSLContext:
    cert, key = certificate()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def client_ssl_context() -> ssl.SSLContext:
    cert, _ = certificate()
    return ssl.create_default_context(cafile=str(cert))


class LoopbackResolver(AbstractResolver):
    """Resolves the named venue hosts to 127.0.0.1:<port> and refuses every other name."""

    def __init__(self, hosts: Mapping[str, int]) -> None:
        self._hosts = dict(hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        target = self._hosts.get(host)
        if target is None:
            raise OSError(f"loopback resolver: {host} is not a loopback venue host")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=target,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


def loopback_session(hosts: Mapping[str, int], **session_kwargs: Any) -> aiohttp.ClientSession:
    """A client session whose venue hostnames reach the loopback TLS port. Create it inside the
    running loop and close it yourself (ccxt never closes a session it was given)."""
    connector = aiohttp.TCPConnector(
        resolver=LoopbackResolver(hosts), ssl=client_ssl_context(), force_close=False
    )
    return aiohttp.ClientSession(connector=connector, **session_kwargs)
