#!/usr/bin/env python3
# genlog.py MB [SEED] - a synthetic Postfix mail.log of about MB megabytes on stdout
# (interleaved connections, TLS lines, piiguard lines, deliveries over the
# piiguard-tls12 transport, deferrals), for `piiguard audit report` throughput.
import random, sys

mb = float(sys.argv[1]) if len(sys.argv) > 1 else 100
rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
out = sys.stdout
target = int(mb * 1048576)
written = 0
n = 0
vers = ["TLSv1.3", "TLSv1.3", "TLSv1.2", "TLSv1.2", "TLSv1.1", "TLSv1", None]
pending = []
while written < target:
    n += 1
    t = n // 20
    day = 1 + (t // 86400) % 28
    stamp = "Nov %2d %02d:%02d:%02d mx " % (day, (t // 3600) % 24, (t // 60) % 60, t % 60)
    qid = "%011X" % (0x10000000000 + n)
    spid, cpid = 1000 + n % 50, 3000 + n % 20
    v = rnd.choice(vers)
    pii = rnd.random() < 0.3
    lines = ["postfix/smtpd[%d]: connect from unknown[192.0.2.%d]" % (spid, n % 250)]
    if v:
        lines.append("postfix/smtpd[%d]: Anonymous TLS connection established from unknown[192.0.2.%d]: %s with cipher "
                     "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)" % (spid, n % 250, v))
    lines += ["postfix/smtpd[%d]: %s: client=unknown[192.0.2.%d]" % (spid, qid, n % 250),
              "postfix/cleanup[%d]: %s: message-id=<%d.synthetic@example.org>" % (2000 + n % 10, qid, n),
              "piiguard[900]: %s: piiguard: client=192.0.2.%d service=smtpd tls=%s cipher=%s bits=%d cert=none "
              "pii=%s profile=%s problem=none verdict=accept would_be=accept outbound=%s reason=%s mid=%016x"
              % (qid, n % 250, v or "none", "ECDHE-RSA-AES256-GCM-SHA384" if v else "none", 256 if v else 0,
                 "iban:1,uk_nino:2" if pii else "none", "gdpr" if pii else "none",
                 "piiguard-tls12" if pii else "none", "pii_tls_ok" if pii else "clean", n),
              "postfix/qmgr[99]: %s: from=<user%d@sender.example>, size=%d, nrcpt=1 (queue active)" % (qid, n, 2000 + n % 9000),
              "postfix/smtpd[%d]: disconnect from unknown[192.0.2.%d] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7" % (spid, n % 250)]
    prog = "postfix/piiguard-tls12/smtp" if pii else "postfix/smtp"
    lines.append("%s[%d]: Trusted TLS connection established to mx%d.example.net[198.51.100.%d]:25: TLSv1.3 with cipher "
                 "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) "
                 "server-digest SHA256" % (prog, cpid, n % 7, n % 7))
    status = "deferred" if n % 50 == 0 else "sent"
    lines.append("%s[%d]: %s: to=<rcpt%d@dest%d.example.net>, relay=mx%d.example.net[198.51.100.%d]:25, delay=0.4, "
                 "delays=0.1/0/0.2/0.1, dsn=%s, status=%s (250 2.0.0 Ok: queued as ABC%d)"
                 % (prog, cpid, qid, n, n % 7, n % 7, n % 7, "2.0.0" if status == "sent" else "4.4.2", status, n))
    if status == "sent":
        lines.append("postfix/qmgr[99]: %s: removed" % qid)
    # interleave: hold this message's lines and emit them mixed with the next one's
    pending.append(lines)
    if len(pending) == 2:
        a, b = pending
        mixed = []
        while a or b:
            if a: mixed.append(a.pop(0))
            if b: mixed.append(b.pop(0))
        s = "".join(stamp + l + "\n" for l in mixed)
        out.write(s)
        written += len(s)
        pending = []
