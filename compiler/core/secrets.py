"""Credential-shaped values: recognised so that no message, hint, diff or file repeats them.

A policy names Secrets; it never holds what is in them. Values that look like credentials
(cloud access keys, URLs with a password, long random tokens where a secret-like key is)
are refused by rule BP365, and every message that repeats a user's value passes it
through :func:`shown`, which prints ``'***'`` for anything credential-shaped.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_ACCESS_KEY = re.compile(
    r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"  # AWS
    r"|\bGK[0-9a-f]{24}\b"  # Garage
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
_USERINFO = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s]+@")
_SECRET_KEY = re.compile(r"secret|password|passwd|token|credential|apikey|api_key", re.I)
_RUNS = re.compile(r"[.:@_\s-]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
MIN_TOKEN = 20
MIN_ENTROPY = 3.5  # bits per character; words and paths stay below, random tokens above


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def random_token(text: str) -> bool:
    """A run of at least 20 characters (between ``.:@_-`` and spaces) that mixes letters
    and digits at random, or 32 hex digits: how keys and tokens look, unlike names, paths,
    URLs and image references."""
    for run in _RUNS.split(text):
        if len(run) < MIN_TOKEN:
            continue
        if _HEX.fullmatch(run) and len(run) >= 32:
            return True
        mixed = any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
        if mixed and entropy(run) >= MIN_ENTROPY:
            return True
    return False


def credential_shaped(text: str) -> bool:
    """An access key, a private key, or a URL that carries a user and password."""
    return bool(_ACCESS_KEY.search(text) or _USERINFO.match(text))


def secret_like_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def shown(value: object) -> str:
    """``repr(value)`` for a message, unless it could be a credential: then ``'***'``."""
    if isinstance(value, str) and (credential_shaped(value) or random_token(value)):
        return "'***'"
    return repr(value)


def without_userinfo(url: str) -> str:
    """``http://***@host`` for a URL that carries credentials."""
    return _USERINFO.sub(lambda m: m.group(0).split("://")[0] + "://***@", url)
