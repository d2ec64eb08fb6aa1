#!/usr/bin/env python3
"""policy_client - a minimal Postfix policy delegation client for the tests.

    python3 policy_client.py SOCKET [name=value ...]   one request, prints the action

SOCKET is a unix socket path. The request starts from POSTFIX_REQUEST (what
Postfix 3.7 sends at RCPT, plaintext) with the given attributes replaced.
"""
import socket
import sys

# What Postfix 3.7 smtpd sends at RCPT time (plaintext, no client cert).
POSTFIX_REQUEST = [
    ("request", "smtpd_access_policy"),
    ("protocol_state", "RCPT"),
    ("protocol_name", "ESMTP"),
    ("client_address", "127.0.0.1"),
    ("client_name", "localhost"),
    ("client_port", "40000"),
    ("reverse_client_name", "localhost"),
    ("server_address", "127.0.0.1"),
    ("server_port", "25"),
    ("helo_name", "client.test"),
    ("sender", "alice@sender.example"),
    ("recipient", "bob@ordinary.example"),
    ("recipient_count", "0"),
    ("queue_id", ""),
    ("instance", "4f2.6571ac3e.9a1b.0"),
    ("size", "0"),
    ("etrn_domain", ""),
    ("stress", ""),
    ("sasl_method", ""),
    ("sasl_username", ""),
    ("sasl_sender", ""),
    ("ccert_subject", ""),
    ("ccert_issuer", ""),
    ("ccert_fingerprint", ""),
    ("ccert_pubkey_fingerprint", ""),
    ("encryption_protocol", ""),
    ("encryption_cipher", ""),
    ("encryption_keysize", "0"),
    ("policy_context", ""),
    ("compatibility_level", "3.6"),
    ("mail_version", "3.7.11"),
]


def build(**attrs):
    """A request (bytes) from POSTFIX_REQUEST with attrs replaced; None drops one."""
    out = []
    seen = set()
    for k, v in POSTFIX_REQUEST:
        if k in attrs:
            seen.add(k)
            if attrs[k] is None:
                continue
            v = attrs[k]
        out.append("%s=%s\n" % (k, v))
    for k, v in attrs.items():
        if k not in seen and v is not None:
            out.append("%s=%s\n" % (k, v))
    return ("".join(out) + "\n").encode()


def connect(path, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_reply(s, buf=b""):
    """One reply "action=...\\n\\n": (reply text without the framing, rest) or (None, buf) at EOF."""
    while b"\n\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    i = buf.index(b"\n\n")
    return buf[:i].decode("utf-8", "replace"), buf[i + 2:]


def ask(path, **attrs):
    """One request on a new connection; the action text (after "action=")."""
    s = connect(path)
    try:
        s.sendall(build(**attrs))
        reply, _ = read_reply(s)
    finally:
        s.close()
    if reply is None:
        return None
    return reply[len("action="):] if reply.startswith("action=") else "BADREPLY:" + reply


if __name__ == "__main__":
    kv = dict(a.split("=", 1) for a in sys.argv[2:])
    print(ask(sys.argv[1], **kv))
