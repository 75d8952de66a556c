"""The endpoint's address as settings give it; apart, so config can check it cheaply."""

from __future__ import annotations


def parse_listen(value: str) -> tuple[str, int]:
    """``"127.0.0.1:9108"`` or ``"[::1]:9108"`` -> (host, port)."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError('expected "host:port" such as 127.0.0.1:9108, or "" for no endpoint')
    return host, int(port)
