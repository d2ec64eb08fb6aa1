#!/usr/bin/python3
"""dkim_verify.py PUBKEY_B64 FILE... - verify the DKIM signatures of delivered
messages with dkimpy (Debian's python3-dkim), answering the key lookup from
PUBKEY_B64 instead of DNS (tests never leave loopback). Prints one line per
file; exit 0 when every file has a signature that verifies."""
import sys

import dkim

PUB = sys.argv[1].encode()


def dnsfunc(name, timeout=5):  # noqa: ARG001 - dkimpy's signature
    return b"v=DKIM1; k=rsa; p=" + PUB


def main():
    bad = 0
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            msg = f.read()
        ok = b"DKIM-Signature:" in msg and dkim.verify(msg, dnsfunc=dnsfunc)
        print("%s: %s" % (path.rsplit("/", 1)[-1], "dkim pass" if ok else "dkim FAIL"))
        bad += 0 if ok else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
