#!/usr/bin/python3
"""Test-only MTA-STS policy hosts (tests/dane/run.sh): one HTTPS server for many domains.

Usage: sts_https.py BIND_IP PORT CERT KEY POLICY_DIR LOG_FILE
GET /.well-known/mta-sts.txt with Host mta-sts.DOMAIN serves POLICY_DIR/DOMAIN.txt
as text/plain, 404 when that file does not exist (or for any other path). Logs
SNI, Host and status of every request to LOG_FILE. Loopback only.
"""
import http.server, os, ssl, sys, time

ip, port, cert, key, pdir, logf = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]


def log(msg):
    with open(logf, "a") as f:
        f.write("%.3f %s\n" % (time.time(), msg))


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        sni = getattr(self.connection, "pg_sni", None)
        host = (self.headers.get("Host") or "").lower()
        path = None
        if self.path == "/.well-known/mta-sts.txt" and host.startswith("mta-sts."):
            path = os.path.join(pdir, os.path.basename(host[len("mta-sts."):]) + ".txt")
        if not path or not os.path.isfile(path):
            log("GET %s Host=%s SNI=%s 404" % (self.path, host, sni))
            self.send_error(404)
            return
        body = open(path, "rb").read()
        log("GET %s Host=%s SNI=%s 200" % (self.path, host, sni))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)


def sni_cb(sslsock, name, _ctx):
    sslsock.pg_sni = name


ctx.sni_callback = sni_cb


class S(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        log("error from %s: %s" % (client_address, sys.exc_info()[1]))


srv = S((ip, port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
_orig = S.finish_request


def finish_request(self, request, client_address):
    try:
        request.do_handshake()
    except (ssl.SSLError, OSError) as e:
        log("TLS handshake from %s failed: %s" % (client_address, e))
        return
    _orig(self, request, client_address)


S.finish_request = finish_request
log("listening on https://%s:%d/" % (ip, port))
srv.serve_forever()
