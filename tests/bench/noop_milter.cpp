// noop_milter - the baseline of `make bench`: a libmilter milter that does nothing
//
// Usage: noop_milter -p unix:/path|inet:PORT@127.0.0.1 [-t TIMEOUT]
//
// Registers every message callback (connect, helo, envfrom, envrcpt, data,
// header, eoh, body, eom, abort, close, unknown); each returns
// SMFIS_CONTINUE and nothing is added or changed (no SMFIF_* actions). It
// links the same libmilter as piiguard-milter and sets the same data size
// limit, so the difference between the two is piiguard's own work. Runs in
// the foreground until SIGTERM/SIGINT.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <libmilter/mfapi.h>

namespace {

sfsistat on_connect(SMFICTX *, char *, _SOCK_ADDR *) { return SMFIS_CONTINUE; }
sfsistat on_helo(SMFICTX *, char *) { return SMFIS_CONTINUE; }
sfsistat on_envfrom(SMFICTX *, char **) { return SMFIS_CONTINUE; }
sfsistat on_envrcpt(SMFICTX *, char **) { return SMFIS_CONTINUE; }
sfsistat on_data(SMFICTX *) { return SMFIS_CONTINUE; }
sfsistat on_header(SMFICTX *, char *, char *) { return SMFIS_CONTINUE; }
sfsistat on_eoh(SMFICTX *) { return SMFIS_CONTINUE; }
sfsistat on_body(SMFICTX *, unsigned char *, size_t) { return SMFIS_CONTINUE; }
sfsistat on_eom(SMFICTX *) { return SMFIS_CONTINUE; }
sfsistat on_abort(SMFICTX *) { return SMFIS_CONTINUE; }
sfsistat on_close(SMFICTX *) { return SMFIS_CONTINUE; }
sfsistat on_unknown(SMFICTX *, const char *) { return SMFIS_CONTINUE; }

}  // namespace

int main(int argc, char **argv) {
    std::string spec;
    int timeout = 60;
    bool bad = false;
    int ch;
    while ((ch = getopt(argc, argv, "p:t:")) != -1) {
        if (ch == 'p') spec = optarg;
        else if (ch == 't') timeout = std::atoi(optarg);
        else bad = true;
    }
    if (bad || spec.empty() || optind != argc) {
        std::fputs("usage: noop_milter -p unix:/path|inet:PORT@127.0.0.1 [-t TIMEOUT]\n", stderr);
        return 2;
    }
    struct smfiDesc d = {};
    d.xxfi_name = const_cast<char *>("noop");
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = 0;
    d.xxfi_connect = on_connect;
    d.xxfi_helo = on_helo;
    d.xxfi_envfrom = on_envfrom;
    d.xxfi_envrcpt = on_envrcpt;
    d.xxfi_header = on_header;
    d.xxfi_eoh = on_eoh;
    d.xxfi_body = on_body;
    d.xxfi_eom = on_eom;
    d.xxfi_abort = on_abort;
    d.xxfi_close = on_close;
    d.xxfi_unknown = on_unknown;
    d.xxfi_data = on_data;
    d.xxfi_negotiate = nullptr;
    if (spec.rfind("unix:", 0) == 0) unlink(spec.c_str() + 5);
    if (smfi_setconn(spec.data()) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS) {
        std::fprintf(stderr, "noop_milter: cannot use socket %s\n", spec.c_str());
        return 1;
    }
    smfi_settimeout(timeout);
    smfi_setmaxdatasize(1024 * 1024 - 1);   // as piiguard-milter
    if (smfi_opensocket(true) != MI_SUCCESS) {
        std::fprintf(stderr, "noop_milter: cannot open socket %s\n", spec.c_str());
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
