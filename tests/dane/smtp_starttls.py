#!/usr/bin/python3
"""Test-only SMTP server that offers STARTTLS and nothing else (tests/dane/probe_ns.sh).

Usage: smtp_starttls.py BIND_IP PORT CERT KEY
Greets, answers EHLO with STARTTLS, does the TLS handshake on STARTTLS, answers
QUIT, and closes; mail is never accepted. Loopback only.
"""
import socket, ssl, sys, threading

ip, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)


def lines(c):
    buf = b""
    while True:
        while b"\n" not in buf:
            d = c.recv(4096)
            if not d:
                return
            buf += d
        line, buf = buf.split(b"\n", 1)
        yield line.strip().upper()


def handle(c):
    c.settimeout(10)
    try:
        c.sendall(b"220 mx.probe.test ESMTP\r\n")
        for line in lines(c):
            if line.startswith(b"EHLO") or line.startswith(b"HELO"):
                c.sendall(b"250-mx.probe.test\r\n250 STARTTLS\r\n")
            elif line == b"STARTTLS":
                c.sendall(b"220 ready\r\n")
                s = ctx.wrap_socket(c, server_side=True)
                s.settimeout(10)
                try:
                    while s.recv(4096):
                        pass
                except (OSError, ssl.SSLError):
                    pass
                return
            elif line == b"QUIT":
                c.sendall(b"221 bye\r\n")
                return
            else:
                c.sendall(b"502 no\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        c.close()


srv = socket.create_server((ip, port))
print("listening", flush=True)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
