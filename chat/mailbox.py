"""An address mail may be sent to, checked strictly: one plain `local@domain`, nothing a mail
header could be made to say more with (no display name, no comments, no quotes, no second
address, no CR or LF), within the lengths of RFC 5321."""

from __future__ import annotations

import re

# RFC 5322's dot-atom: the characters a local part may hold unquoted. None of them can end a
# header or start another address (no space, comma, semicolon, angle bracket, quote).
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
LOCAL = re.compile(rf"{ATOM}(\.{ATOM})*")
LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
TOP_LABEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
LOCAL_MAX = 64  # RFC 5321 4.5.3.1.1
DOMAIN_MAX = 253


def mailbox_problem(address: str) -> str | None:
    """What is wrong with `address` as one address to send to (for a person), or None."""
    if not address.isascii():
        return "must be a plain ASCII address such as name@example.com."
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "is not an email address (name@example.com)."
    if len(local) > LOCAL_MAX:
        return f"has more than {LOCAL_MAX} characters before the @."
    if not LOCAL.fullmatch(local):
        return "must be one plain address: no spaces, quotes, commas, angle brackets or names."
    labels = domain.split(".")
    if len(domain) > DOMAIN_MAX or len(labels) < 2:
        return "needs a full domain after the @ (example.com)."
    if not all(LABEL.fullmatch(label) for label in labels[:-1]):
        return "has a domain that is not valid."
    if not TOP_LABEL.fullmatch(labels[-1]):
        return "has a domain that is not valid."
    return None
