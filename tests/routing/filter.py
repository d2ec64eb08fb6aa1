#!/usr/bin/env python3
"""filter.py - a small reinjecting SMTP content filter, playing amavis in tests.

Usage: filter.py LISTEN_PORT REINJECT_PORT LOGFILE

Listens on 127.0.0.1:LISTEN_PORT, takes one message per transaction, adds
"X-Test-Filter: passed" at the top (as amavis adds X-Virus-Scanned), and
reinjects it with the same envelope to 127.0.0.1:REINJECT_PORT. Like amavis,
it answers 250 to the DATA only after the reinjection was accepted, and the
reinjection's own refusal otherwise: nothing is lost. Loopback only; stdlib
only; logs one line per message (envelope sizes only, never content).
"""
import smtplib
import socketserver
import sys

LISTEN, REINJECT, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 filter.test ESMTP test filter")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("latin-1").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-filter.test\r\n250-8BITMIME\r\n250 XFORWARD NAME ADDR PROTO HELO SOURCE")
            elif verb == "XFOR":
                self.reply("250 Ok")
            elif verb == "MAIL":
                sender, rcpts = line[line.index(":") + 1:].strip().split(" ")[0].strip("<>"), []
                self.reply("250 Ok")
            elif verb == "RCPT":
                rcpts.append(line[line.index(":") + 1:].strip().split(" ")[0].strip("<>"))
                self.reply("250 Ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                lines = []
                while True:
                    d = self.rfile.readline(1 << 20)
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    if d.startswith(b".."):
                        d = d[1:]
                    lines.append(d)
                msg = b"X-Test-Filter: passed\r\n" + b"".join(lines)
                try:
                    with smtplib.SMTP("127.0.0.1", REINJECT, timeout=30) as s:
                        s.sendmail(sender, rcpts, msg)
                    log("filtered from-len=%d rcpts=%d bytes=%d reinjected" % (len(sender or ""), len(rcpts), len(msg)))
                    self.reply("250 2.0.0 Ok: filtered and reinjected")
                except smtplib.SMTPResponseException as e:
                    log("reinjection refused %d" % e.smtp_code)
                    self.reply("%d %s" % (e.smtp_code, e.smtp_error.decode("latin-1", "replace")))
                except Exception as e:  # noqa: BLE001 - any failure is a temporary one
                    log("reinjection failed %s" % type(e).__name__)
                    self.reply("451 4.3.0 reinjection failed")
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                self.reply("250 Ok")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 Ok")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    with Server(("127.0.0.1", LISTEN), Handler) as srv:
        srv.serve_forever()
