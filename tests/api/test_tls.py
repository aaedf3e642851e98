"""TLS towards the upstreams: self-signed certificates with and without verification, and HTTPS to a plain HTTP port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import ipaddress
import ssl

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest

from custom_components.smartplex.api import SmartPlexCertificateError

from .conftest import FakeUpstream, Reply
from .error_cases import CASES, IDS, Case, expect


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """Return a server SSL context with a freshly generated self-signed certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.fixture
async def tls_upstream(
    socket_enabled: None, self_signed: ssl.SSLContext
) -> AsyncIterator[FakeUpstream]:
    """Yield a fake upstream serving HTTPS with the self-signed certificate."""
    server = FakeUpstream()
    await server.start(ssl_context=self_signed)
    yield server
    await server.stop()


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_self_signed_certificate(
    case: Case,
    tls_upstream: FakeUpstream,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A self-signed certificate fails verification, and works with verify_ssl=False."""
    tls_upstream.add("GET", case.path, Reply(case.ok_body))
    url = tls_upstream.url.replace("http://", "https://")
    await expect(
        case.call(case.make(session, url, True, 5.0)), SmartPlexCertificateError, caplog
    )
    await case.call(case.make(session, url, False, 5.0))
    assert len(tls_upstream.requests) == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_https_to_plain_http_port(
    case: Case,
    upstream: FakeUpstream,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """https:// against a plain-HTTP port fails the TLS handshake."""
    client = case.make(session, upstream.url.replace("http://", "https://"), True, 5.0)
    await expect(case.call(client), SmartPlexCertificateError, caplog)
