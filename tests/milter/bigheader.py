#!/usr/bin/env python3
"""bigheader.py SOCKETPATH - send one message with a 1 MB header line to a
milter over the milter protocol (v6) and print the final reply letter.

miltertest cannot send headers over ~1 KB (it overflows its own buffer), so
this minimal MTA side does it. Exit 0 when the milter gave a defined final
reply (accept, reject, tempfail, replycode), 1 otherwise."""
import socket
import struct
import sys


def send(s, cmd, data=b""):
    s.sendall(struct.pack("!I", len(data) + 1) + cmd + data)


def recv(s):
    def exact(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                raise EOFError("milter closed the connection")
            b += chunk
        return b
    (n,) = struct.unpack("!I", exact(4))
    body = exact(n)
    return body[:1], body[1:]


def final(s):
    """Read replies until a final one (skip header edits, progress)."""
    while True:
        cmd, _ = recv(s)
        if cmd in (b"+", b"-", b"h", b"m", b"i", b"q", b"p", b"e"):
            continue
        return cmd


def main():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[1])
    send(s, b"O", struct.pack("!III", 6, 0x1FF, 0))
    recv(s)
    send(s, b"C", b"client.example\0" + b"4" + struct.pack("!H", 2525) + b"192.0.2.10\0")
    assert recv(s)[0] == b"c"
    send(s, b"H", b"client.example\0")
    assert recv(s)[0] == b"c"
    send(s, b"D", b"M" + b"i\0BIGHDR0001\0")
    send(s, b"M", b"<sender@example.org>\0")
    assert recv(s)[0] == b"c"
    # An MTA always sends RCPT before the headers (the milter takes the recipients).
    send(s, b"R", b"<rcpt@example.org>\0")
    assert recv(s)[0] == b"c"
    for name, value in ((b"From", b"sender@example.org"), (b"Subject", b"big"),
                        (b"X-Long", b"a" * 1000000)):
        send(s, b"L", name + b"\0" + value + b"\0")
        assert recv(s)[0] == b"c", "header reply"
    send(s, b"N")
    assert recv(s)[0] == b"c"
    send(s, b"B", b"Hello\r\n")
    assert recv(s)[0] == b"c"
    send(s, b"E")
    r = final(s)
    print("final reply", r.decode())
    s.close()
    return 0 if r in (b"a", b"r", b"t", b"y") else 1


if __name__ == "__main__":
    sys.exit(main())
