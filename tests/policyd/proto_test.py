#!/usr/bin/env python3
"""proto_test - direct protocol tests of a running piiguard-policyd.

    python3 proto_test.py SOCKET PIN_CERT PIN_PUBKEY OTHER_FP

The daemon runs with tests/policyd/policyd.toml. Prints "ok: LABEL" or
"FAIL: LABEL: detail" per check; run.sh counts them.
"""
import socket
import sys
import threading

from policy_client import ask, build, connect, read_reply

SOCK, PIN_CERT, PIN_PUBKEY, OTHER_FP = sys.argv[1:5]


def ok(label):
    print("ok: " + label, flush=True)


def ko(label, detail):
    print("FAIL: %s: %s" % (label, detail), flush=True)


def expect(label, got, prefix, contains=()):
    """got must start with prefix and contain each string of contains."""
    if got is not None and got.startswith(prefix) and all(c in got for c in contains):
        ok("%s -> %s" % (label, got))
    else:
        ko(label, "got %r, want %r%s" % (got, prefix, (" containing %r" % (contains,)) if contains else ""))


def tls(version, cipher, bits="256"):
    return dict(encryption_protocol=version, encryption_cipher=cipher, encryption_keysize=bits)


HOSP = "bob@hospital.example"

# Each TLS version and cipher against the hospital's profile (hipaa: TLS 1.2+,
# (EC)DHE AES suites) and the client block's (strict: TLS 1.3 only).
CASES = [
    ("hipaa partner TLSv1.3 AES-256-GCM", dict(recipient=HOSP, **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")),
     "DUNNO", ()),
    ("hipaa partner TLSv1.3 AES-128-GCM", dict(recipient=HOSP, **tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", "128")),
     "DUNNO", ()),
    ("hipaa partner TLSv1.3 CHACHA20 (not in its suites)",
     dict(recipient=HOSP, **tls("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256")),
     "REJECT 5.7.1", ("profile hipaa", "TLS_CHACHA20_POLY1305_SHA256 is not allowed")),
    ("hipaa partner TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384",
     dict(recipient=HOSP, **tls("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")), "DUNNO", ()),
    ("hipaa partner TLSv1.2 AES256-SHA (static RSA)", dict(recipient=HOSP, **tls("TLSv1.2", "AES256-SHA")),
     "REJECT 5.7.1", ("profile hipaa", "AES256-SHA")),
    ("hipaa partner TLSv1.1", dict(recipient=HOSP, **tls("TLSv1.1", "ECDHE-RSA-AES256-SHA")),
     "REJECT 5.7.1", ("TLSv1.1 is below the TLSv1.2 minimum of profile hipaa",)),
    ("hipaa partner TLSv1 (1.0)", dict(recipient=HOSP, **tls("TLSv1", "ECDHE-RSA-AES256-SHA")),
     "REJECT 5.7.1", ("TLSv1 is below the TLSv1.2 minimum of profile hipaa",)),
    ("hipaa partner in clear", dict(recipient=HOSP), "REJECT 5.7.1", ("no TLS", "profile hipaa")),
    ("hipaa partner unknown TLS version", dict(recipient=HOSP, **tls("TLSv9", "X")),
     "REJECT 5.7.1", ("unknown TLS version",)),
    ("hipaa partner, recipient domain in capitals", dict(recipient="Bob@HOSPITAL.Example"), "REJECT 5.7.1", ()),
    ("hipaa partner as sender domain", dict(sender="a@hospital.example", recipient="x@ordinary.example"),
     "REJECT 5.7.1", ("hospital.example",)),
    ("ordinary domain in clear", dict(recipient="x@ordinary.example"), "DUNNO", ()),
    ("ordinary domain TLSv1", dict(recipient="x@ordinary.example", **tls("TLSv1", "AES128-SHA", "128")),
     "DUNNO", ()),
    ("bank subdomain (tempfail partner) TLSv1.1", dict(recipient="x@mx.bank.example",
                                                       **tls("TLSv1.1", "ECDHE-RSA-AES128-SHA", "128")),
     "DEFER_IF_PERMIT 4.7.1", ("profile pci-dss", "TLSv1.1")),
    ("bank subdomain TLSv1.2 ECDHE-ECDSA-CHACHA20",
     dict(recipient="x@mx.bank.example", **tls("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305")), "DUNNO", ()),
    ("'.bank.example' does not match bank.example itself", dict(recipient="x@bank.example"), "DUNNO", ()),
    ("client block partner (strict) TLSv1.2",
     dict(client_address="192.0.2.7", **tls("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")),
     "REJECT 5.7.1", ("profile strict",)),
    ("client block partner (strict) TLSv1.3",
     dict(client_address="192.0.2.7", **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")), "DUNNO", ()),
    ("client outside the block", dict(client_address="192.0.3.7"), "DUNNO", ()),
    # Pins: the certificate fingerprint, or the public key fingerprint.
    ("pinned partner, certificate fingerprint matches",
     dict(recipient="x@pinned.example", ccert_fingerprint=PIN_CERT, **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")),
     "DUNNO", ()),
    ("pinned partner, fingerprint lower case without colons",
     dict(recipient="x@pinned.example", ccert_fingerprint=PIN_CERT.replace(":", "").lower(),
          **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")), "DUNNO", ()),
    ("pinned partner, certificate fingerprint differs",
     dict(recipient="x@pinned.example", ccert_fingerprint=OTHER_FP, ccert_pubkey_fingerprint=OTHER_FP,
          **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")),
     "REJECT 5.7.1", ("does not match the pinned",)),
    ("pinned partner, public key fingerprint matches (cert differs)",
     dict(recipient="x@pinned.example", ccert_fingerprint=OTHER_FP, ccert_pubkey_fingerprint=PIN_PUBKEY,
          **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")), "DUNNO", ()),
    ("pinned partner, no client certificate",
     dict(recipient="x@pinned.example", **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")),
     "REJECT 5.7.1", ("no client certificate",)),
    ("pinned partner, right pin but TLSv1.1",
     dict(recipient="x@pinned.example", ccert_fingerprint=PIN_CERT, **tls("TLSv1.1", "ECDHE-RSA-AES256-SHA")),
     "REJECT 5.7.1", ("TLSv1.1",)),
    # Missing attributes: absent TLS attributes mean no TLS; no request= is malformed.
    ("only request= and recipient (partner)", {"__only__": {"request": "smtpd_access_policy",
                                                            "recipient": HOSP}},
     "REJECT 5.7.1", ("no TLS",)),
    ("only request= (no recipient, sender, client)", {"__only__": {"request": "smtpd_access_policy"}},
     "DUNNO", ()),
    ("no request= attribute", dict(request=None), "DEFER_IF_PERMIT", ("malformed", "not_a_policy_request")),
    ("request=junk", dict(request="junk"), "DEFER_IF_PERMIT", ("malformed",)),
]


def raw_ask(s, data, buf=b""):
    s.sendall(data)
    return read_reply(s, buf)


def run_cases():
    for label, attrs, prefix, contains in CASES:
        try:
            if "__only__" in attrs:
                s = connect(SOCK)
                body = "".join("%s=%s\n" % kv for kv in attrs["__only__"].items()) + "\n"
                reply, _ = raw_ask(s, body.encode())
                s.close()
                got = reply[len("action="):] if reply else reply
            else:
                got = ask(SOCK, **attrs)
            expect(label, got, prefix, contains)
        except Exception as e:  # noqa: BLE001 - a test must report, not stop
            ko(label, repr(e))


def test_garbage():
    label = "garbage line, then a good request on the same connection"
    try:
        s = connect(SOCK)
        r1, buf = raw_ask(s, b"hello world\n\n")
        r2, buf = raw_ask(s, b"\x00\xff\xfe binary junk\x01\n" + build(), buf)
        r3, buf = raw_ask(s, b"=novalue\n\n", buf)
        r4, buf = raw_ask(s, build(recipient=HOSP), buf)
        s.close()
        if (r1 and "malformed" in r1 and r1.startswith("action=DEFER_IF_PERMIT ") and r2 and "malformed" in r2
                and r3 and "empty_name" in r3 and r4 and r4.startswith("action=REJECT 5.7.1")):
            ok(label + " -> %s | %s" % (r1, r4))
        else:
            ko(label, "replies %r %r %r %r" % (r1, r2, r3, r4))
    except Exception as e:  # noqa: BLE001
        ko(label, repr(e))


def test_reply_framing():
    label = "reply is exactly 'action=DUNNO\\n\\n'"
    s = connect(SOCK)
    s.sendall(build())
    data = b""
    while not data.endswith(b"\n\n"):
        chunk = s.recv(100)
        if not chunk:
            break
        data += chunk
    s.close()
    (ok if data == b"action=DUNNO\n\n" else lambda l: ko(l, repr(data)))(label)


def test_big_line():
    label = "1 MB line: answered as malformed, connection survives"
    try:
        s = connect(SOCK, timeout=30)
        s.sendall(b"request=smtpd_access_policy\nx=" + b"A" * (1 << 20) + b"\n\n")
        r1, buf = read_reply(s)
        r2, buf = raw_ask(s, build(recipient=HOSP, **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")), buf)
        s.close()
        if r1 and "request_too_long" in r1 and r2 == "action=DUNNO":
            ok(label + " -> %s | %s" % (r1, r2))
        else:
            ko(label, "replies %r %r" % (r1, r2))
    except Exception as e:  # noqa: BLE001
        ko(label, repr(e))
    label = "1 MB line without an end, then half-close: answered, then closed"
    try:
        s = connect(SOCK, timeout=30)
        s.sendall(b"B" * (1 << 20))
        s.shutdown(socket.SHUT_WR)
        r1, buf = read_reply(s)
        rest = s.recv(100)
        s.close()
        if r1 and "request_too_long" in r1 and rest == b"" and buf == b"":
            ok(label + " -> %s" % r1)
        else:
            ko(label, "reply %r, then %r" % (r1, rest))
    except Exception as e:  # noqa: BLE001
        ko(label, repr(e))
    label = "too many attributes"
    got = ask(SOCK, **{"x%d" % i: "1" for i in range(300)})
    expect(label, got, "DEFER_IF_PERMIT", ("too_many_attributes",))
    label = "empty request (a lone empty line)"
    s = connect(SOCK)
    r, _ = raw_ask(s, b"\n")
    s.close()
    expect(label, r[len("action="):] if r else r, "DEFER_IF_PERMIT", ("empty_request",))


def test_many_on_one():
    label = "50 requests one after another on one connection"
    s = connect(SOCK)
    buf = b""
    bad = 0
    for i in range(50):
        want = "action=DUNNO" if i % 2 == 0 else "action=REJECT 5.7.1"
        attrs = dict(recipient="x@ordinary.example") if i % 2 == 0 else dict(recipient=HOSP)
        r, buf = raw_ask(s, build(**attrs), buf)
        if not r or not r.startswith(want):
            bad += 1
    s.close()
    (ok if bad == 0 else lambda l: ko(l, "%d wrong replies" % bad))(label)
    label = "20 requests pipelined in one write, 20 replies in order"
    s = connect(SOCK)
    data = b"".join(build(recipient=HOSP if i % 3 == 0 else "y@ordinary.example") for i in range(20))
    s.sendall(data)
    buf = b""
    replies = []
    for i in range(20):
        r, buf = read_reply(s, buf)
        replies.append(r)
    s.close()
    want = ["action=REJECT 5.7.1" if i % 3 == 0 else "action=DUNNO" for i in range(20)]
    if all(r and r.startswith(w) for r, w in zip(replies, want)):
        ok(label)
    else:
        ko(label, repr(replies[:4]))


def test_half_close():
    label = "half-closed after a request: answered, then EOF"
    s = connect(SOCK)
    s.sendall(build(recipient=HOSP))
    s.shutdown(socket.SHUT_WR)
    r, buf = read_reply(s)
    rest = s.recv(100)
    s.close()
    if r and r.startswith("action=REJECT 5.7.1") and rest == b"" and buf == b"":
        ok(label + " -> " + r)
    else:
        ko(label, "reply %r, then %r" % (r, rest))
    label = "half-closed inside a request: answered as malformed, then EOF"
    s = connect(SOCK)
    s.sendall(b"request=smtpd_access_policy\nrecipient=a@b.example\n")
    s.shutdown(socket.SHUT_WR)
    r, buf = read_reply(s)
    rest = s.recv(100)
    s.close()
    if r and "incomplete_request" in r and rest == b"":
        ok(label + " -> " + r)
    else:
        ko(label, "reply %r, then %r" % (r, rest))
    label = "connection closed without reading the reply: daemon unaffected"
    s = connect(SOCK)
    s.sendall(build() * 5)
    s.close()
    expect(label, ask(SOCK), "DUNNO")


def test_concurrent():
    label = "100 concurrent clients, 20 requests each"
    errors = []
    start = threading.Barrier(100)

    def client(n):
        try:
            s = connect(SOCK, timeout=30)
            start.wait()
            buf = b""
            for i in range(20):
                rcpt = HOSP if (n + i) % 2 else "z@ordinary.example"
                r, buf = raw_ask(s, build(recipient=rcpt, **tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")), buf)
                if r != "action=DUNNO":
                    errors.append("client %d request %d: %r" % (n, i, r))
                    break
            s.close()
        except Exception as e:  # noqa: BLE001
            errors.append("client %d: %r" % (n, e))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (ok if not errors else lambda l: ko(l, "%d errors, first %s" % (len(errors), errors[0])))(label)


def test_queue_id():
    label = "queue id is passed through to the log (checked by run.sh)"
    expect(label, ask(SOCK, queue_id="4BQ7XZ1TESTQ", recipient=HOSP), "REJECT 5.7.1")


if __name__ == "__main__":
    run_cases()
    test_reply_framing()
    test_garbage()
    test_big_line()
    test_many_on_one()
    test_half_close()
    test_concurrent()
    test_queue_id()
