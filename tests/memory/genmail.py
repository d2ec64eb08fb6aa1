#!/usr/bin/env python3
"""genmail.py SIZE_MB OUT [--seed N] - write a large mail-like .eml for memory
and throughput tests: multipart/mixed with a quoted-printable text part, a
base64 CSV attachment and an HTML part, in equal thirds, and one IBAN planted
at the very end of the last part (so a scan that stops early misses it).
The text is generated prose with numbers, dates and times (no PII but the one
planted value)."""
import base64
import random
import sys

WORDS = ("the of and to in is for on that with as was at by from this be or are an have not we "
         "order invoice meeting schedule account customer service team report please thanks regards "
         "shipment delivery update project review budget quarter office client contract").split()


def prose(rng, n):
    out, size = [], 0
    while size < n:
        k = rng.randint(6, 16)
        line = " ".join(rng.choice(WORDS) for _ in range(k))
        r = rng.random()
        if r < 0.15:
            line += " at %02d:%02d" % (rng.randint(0, 23), rng.randint(0, 59))
        elif r < 0.25:
            line += " on %02d/%02d/%d" % (rng.randint(1, 28), rng.randint(1, 12), rng.randint(2000, 2026))
        elif r < 0.32:
            line += " ref %d" % rng.randint(1000, 999999)
        elif r < 0.36:
            line += " total %d.%02d EUR" % (rng.randint(1, 9999), rng.randint(0, 99))
        line = line.capitalize() + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out)


def qp(text):
    lines = []
    for line in text.split("\n"):
        while len(line) > 75:
            lines.append(line[:75] + "=")
            line = line[75:]
        lines.append(line)
    return "\n".join(lines)


def main():
    size = float(sys.argv[1]) * 1024 * 1024
    out = sys.argv[2]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--seed" else 1
    rng = random.Random(seed)
    third = int(size / 3)
    with open(out, "w", newline="\n") as f:
        f.write("From: a@example.org\nTo: b@example.org\nSubject: large test message\n"
                "Message-ID: <big@example.org>\nMIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"b0\"\n\n")
        f.write("--b0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n")
        f.write(qp(prose(rng, third)) + "\n")
        f.write("--b0\nContent-Type: text/csv; name=data.csv\nContent-Disposition: attachment; filename=data.csv\n"
                "Content-Transfer-Encoding: base64\n\n")
        raw = prose(rng, int(third * 0.75)).replace(" ", ",").encode()
        b = base64.encodebytes(raw).decode()
        f.write(b)
        f.write("--b0\nContent-Type: text/html; charset=utf-8\n\n<html><body>\n")
        f.write(prose(rng, third).replace("\n", "<br>\n"))
        f.write("<p>IBAN: DE89 3704 0044 0532 0130 00</p></body></html>\n--b0--\n")


main()
