"""HTTPS: taxii2-client verifies a test CA's certificate and is served as over HTTP."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from taxii2client.v21 import Server

from indicators.taxii import ServerConfig
from indicators.taxii.serving import tls_context
from tests.indicators.certs import make_ca_and_server_cert
from tests.indicators.conftest import PASSWORD, TAXII, Harness, start_harness
from tests.indicators.wire import read_response


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, Path]]:
    directory = tmp_path_factory.mktemp("tls")
    ca, cert, key = make_ca_and_server_cert(directory)
    path = str(directory / "grapevine.db")
    config = ServerConfig(db=path, max_content_length=2000, cert=str(cert), key=str(key))
    harness = start_harness(path, config, tls=tls_context(str(cert), str(key)))
    try:
        yield harness, ca
    finally:
        harness.server.stop()
        harness.store.close()


def test_taxii2_client_verifies_the_certificate_and_reads(
    https: tuple[Harness, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests lets these variables override a session's ``verify`` (taxii2-client's).
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    harness, ca = https
    assert harness.url.startswith("https://127.0.0.1:")
    server = Server(harness.url + "taxii2/", user="de-analyst", password=PASSWORD, verify=str(ca))
    assert server.title == harness.config.title
    (own,) = [c for c in server.default.collections if c.id == harness.collections["cert-de"]]
    status = own.add_objects(
        json.dumps(
            {
                "objects": [
                    {
                        "type": "ipv4-addr",
                        "spec_version": "2.1",
                        "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                        "value": "198.51.100.3",
                    }
                ]
            }
        )
    )
    assert status.success_count == 1
    assert own.get_objects()["objects"][0]["value"] == "198.51.100.3"


def test_a_client_without_the_ca_refuses_the_server(https: tuple[Harness, Path]) -> None:
    harness, _ = https
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(harness.url + "taxii2/", timeout=10)


def test_waitress_own_413_has_a_taxii_body_over_tls(https: tuple[Harness, Path]) -> None:
    harness, ca = https
    context = ssl.create_default_context(cafile=str(ca))
    raw = socket.create_connection((harness.server.host, harness.server.port), timeout=10)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
        path = harness.objects_url("cert-de").split(str(harness.server.port), 1)[1]
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {TAXII}\r\n"
                f"Content-Type: {TAXII}\r\nContent-Length: 1000000000\r\n\r\n"
            ).encode()
        )
        reply = read_response(sock).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert '"http_status": "413"' in reply


def test_plain_http_to_the_https_port_gets_no_answer(https: tuple[Harness, Path]) -> None:
    harness, _ = https
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(harness.url.replace("https://", "http://") + "taxii2/", timeout=10)
