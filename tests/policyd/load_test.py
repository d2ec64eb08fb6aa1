#!/usr/bin/env python3
"""load_test - piiguard-policyd holds its ground (tests/policyd/run.sh).

    python3 load_test.py SOCKET MAX_CONNECTIONS IDLE_TIMEOUT REQUEST_TIMEOUT

The daemon runs with those settings. Prints "ok: ..." / "FAIL: ..." per check:
  - an idle connection is closed after idle_timeout;
  - a request trickled byte by byte is cut after request_timeout (from its
    first byte, not from the last);
  - with MAX_CONNECTIONS idle hogs open, and then more concurrent smtpd-style
    clients than MAX_CONNECTIONS (each a persistent connection sending several
    requests, reconnecting once when the server closed it, as Postfix's
    attr_clnt does), every legitimate request is answered.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policy_client import build  # noqa: E402

SOCK, MAXC, IDLE, REQ = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
results = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    results.append(ok)


def connect():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(SOCK)
    return s


def closed_within(s, seconds):
    """True when the server closes s within seconds (recv returns b'')."""
    s.settimeout(seconds)
    try:
        return s.recv(100) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def answer(s, req):
    s.sendall(req)
    buf = b""
    while not buf.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf.decode()


# 1. idle timeout
s = connect()
t0 = time.time()
gone = closed_within(s, IDLE + 3)
check(gone and time.time() - t0 >= IDLE - 0.5,
      "an idle connection is closed after idle_timeout (%.1f s)" % (time.time() - t0))
s.close()

# 2. request deadline: a slow trickle does not keep a request open
s = connect()
req = build(recipient="bob@ordinary.example")
t0 = time.time()
cut = False
for i in range(len(req)):
    try:
        s.sendall(req[i:i + 1])
    except OSError:
        cut = True
        break
    if closed_within(s, 0.3):
        cut = True
        break
    if time.time() - t0 > REQ + 6:
        break
took = time.time() - t0
check(cut and REQ - 0.5 <= took <= REQ + 3,
      "a request trickled byte by byte is cut after request_timeout (%.1f s)" % took)
s.close()

# 3. idle hogs fill max_connections, then more smtpd-style clients than the limit
hogs = [connect() for _ in range(MAXC)]
time.sleep(0.3)
CLIENTS, REQUESTS = MAXC + 4, 6
answered = [0] * CLIENTS
errors = []


def smtpd(n):
    s = None
    for r in range(REQUESTS):
        req = build(recipient="user%d@ordinary.example" % n, instance="%d.%d" % (n, r))
        for attempt in range(2):   # Postfix retries once on a closed connection
            try:
                if s is None:
                    s = connect()
                reply = answer(s, req)
                if reply.startswith("action="):
                    answered[n] += 1
                break
            except (OSError, ConnectionError) as e:
                if s is not None:
                    s.close()
                s = None
                if attempt == 1:
                    errors.append("client %d request %d: %s" % (n, r, e))
        time.sleep(0.1)
    if s is not None:
        s.close()


threads = [threading.Thread(target=smtpd, args=(i,)) for i in range(CLIENTS)]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join(30)
total = sum(answered)
check(total == CLIENTS * REQUESTS,
      "%d idle hogs + %d concurrent smtpd-style clients (max_connections %d): %d of %d requests answered in %.1f s%s"
      % (MAXC, CLIENTS, MAXC, total, CLIENTS * REQUESTS, time.time() - t0,
         "" if not errors else "; " + "; ".join(errors[:3])))
hog_closed = sum(1 for h in hogs if closed_within(h, 0.2))
check(hog_closed >= CLIENTS - MAXC, "idle hogs were closed to make room (%d of %d)" % (hog_closed, MAXC))
for h in hogs:
    h.close()
sys.exit(0 if all(results) else 1)
