"""Keys derived from ``HELPLINE_SECRET_KEY`` for purposes other than cookies.

The document lookup key is ``HMAC-SHA256(secret_key, DOCUMENT_KEY_LABEL)``: a fixed
label gives a key that is independent of the cookie-signing use of the secret, and no
second secret has to be configured. Changing ``HELPLINE_SECRET_KEY`` changes this key,
so stored document hashes stop matching: rotate the secret only together with a
re-hash of the documents (their plain numbers are never stored).
"""

from __future__ import annotations

import hashlib
import hmac

DOCUMENT_KEY_LABEL = b"helpline/customers/document-lookup-hash/v1"


def document_key(secret_key: str) -> bytes:
    """32-byte HMAC key for identity-document lookup hashes (see the module docstring)."""
    return hmac.new(secret_key.encode("utf-8"), DOCUMENT_KEY_LABEL, hashlib.sha256).digest()
