"""Article urls: only a web address with a host is linked, written so no character can escape.

An archive's url ends up in ``[title](url)`` and in an embed's ``url``. A
``javascript:`` or ``not a url`` value makes Discord refuse the whole message,
and a ``)`` or a space would end the markdown link early and let the rest of
the value become text, or another link. So a url must be ``http`` or
``https`` with a host, and every character outside RFC 3986's safe set, the
brackets, parentheses and spaces included, is percent-encoded; escapes already
there are kept, so cleaning a clean url changes nothing.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

MAX_URL = 2048  # Discord's limit for an embed's url
WEB_SCHEMES = {"http", "https"}
_SAFE = "-._~!$&'*+,;=:@/?%"  # kept as written: RFC 3986 less ( ) [ ] and the separators
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")


def web_url(text: str) -> str | None:
    """``text`` as a link-safe http(s) url, or None when it names no web page."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):  # a bad port or IPv6 literal, a host IDNA refuses
        return None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES or not _HOST.fullmatch(host) or "@" in parts.netloc:
        return None  # user@host hides the real host behind a trusted-looking name
    url = f"{scheme}://{host}" + (f":{port}" if port is not None else "")
    url += _encoded(parts.path)
    if parts.query:
        url += "?" + _encoded(parts.query)
    if parts.fragment:
        url += "#" + _encoded(parts.fragment)
    return url if len(url) <= MAX_URL else None


def _encoded(part: str) -> str:
    return quote(_LONE_PERCENT.sub("%25", part), safe=_SAFE)
