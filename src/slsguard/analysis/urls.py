"""Plain-text URLs in template values: which ones are real endpoints reached without TLS.

Loopback, link-local (instance metadata), private-network and documentation hosts, XML
namespaces and schema identifiers are written as `http://` without any traffic crossing
a network in clear text; they are not endpoints and never reported.
"""

from __future__ import annotations

import ipaddress
import re

from slsguard.model import Deferred, Reference, render

_URL = re.compile(r"\b(?:http|ws)://[^\s,;'\"<>|]*", re.I)
_HOST = re.compile(r"^(?:http|ws)://(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)", re.I)

# Identifiers that look like URLs: namespaces and schema ids are never fetched.
_IDENTIFIER_HOSTS = frozenset(
    {
        *("json-schema.org", "www.w3.org", "w3.org", "schemas.xmlsoap.org", "schema.org"),
        *("schemas.microsoft.com", "schemas.openxmlformats.org", "purl.org", "xmlns.com"),
        *("ns.adobe.com", "docs.oasis-open.org", "www.opengis.net", "java.sun.com"),
        *("xml.org", "www.xml.org", "relaxng.org", "json.org"),
    }
)
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".test", ".invalid", ".example")
_DOC_DOMAINS = ("example.com", "example.org", "example.net")


def insecure_urls(value: object) -> list[str]:
    """The clear-text endpoint URLs written literally in a value (not inside a reference)."""
    if isinstance(value, Reference):
        return []
    text = render(value)
    if isinstance(value, Deferred):
        for reference in value.references:
            text = text.replace(reference.text, " ")
    return [url for url in _URL.findall(text) if is_endpoint(url)]


def is_endpoint(url: str) -> bool:
    """Whether a clear-text URL reaches a real host over a network."""
    match = _HOST.match(url)
    host = (match.group(1) if match else "").strip("[]").lower()
    if not host:
        return False
    if host in _IDENTIFIER_HOSTS or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return False
    if host in ("host.docker.internal", "0.0.0.0") or host.endswith(_DOC_DOMAINS):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_link_local or address.is_private)


def shown(url: str) -> str:
    """The URL without credentials or query string, shortened for a message."""
    url = re.sub(r"^((?:http|ws)://)[^@/]*@", r"\1", url, flags=re.I)
    url = url.split("?", 1)[0]
    return url if len(url) <= 80 else url[:77] + "…"


def secure_scheme(url: str) -> str:
    """`https://...` for `http://...`, `wss://...` for `ws://...`."""
    scheme, _, rest = shown(url).partition("://")
    return ("wss" if scheme.lower() == "ws" else "https") + "://" + rest
