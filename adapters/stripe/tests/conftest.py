"""localstripe as a separate process for the session, behind the tests' proxy."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from booking_core_stripe import StripeGateway

from .wire import StripeWire, make_config


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """The address of a localstripe process started for the session (it needs no
    network), stopped at the end."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/balance", auth=("sk_test_probe", ""), timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("localstripe did not start")
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def stripe_wire(localstripe: str) -> Iterator[StripeWire]:
    """localstripe behind a proxy that can lose a reply (see :class:`StripeWire`)."""
    proxy = HTTPServer(host="127.0.0.1", port=0)
    proxy.start()
    wire = StripeWire(localstripe, proxy)
    try:
        yield wire
    finally:
        wire.close()
        proxy.clear()
        proxy.stop()


@pytest.fixture
def wire(stripe_wire: StripeWire) -> StripeWire:
    """The wire, with localstripe emptied for this test."""
    stripe_wire.reset()
    return stripe_wire


@pytest.fixture
def gateway(wire: StripeWire) -> Iterator[StripeGateway]:
    """A gateway offering holds (``CapturePolicy.HOLDS``): a payment created with ``hold``
    is authorized when paid (then captured with ``capture()``), any other captured."""
    gateway = StripeGateway(make_config(wire))
    yield gateway
    gateway.close()
