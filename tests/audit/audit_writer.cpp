// audit_writer - append records to an audit log from many threads (tests/audit/run.sh)
//
//   audit_writer FILE KEYFILE THREADS RECORDS_PER_THREAD TAG [MAILLOG [EPOCH_RECORDS]]
//
// With MAILLOG, the writer's checkpoints and segment breaks are appended to
// that file as syslog would write them (one at the first record, one at exit).
// With PIIGUARD_TEST_KEY_STATE set, that is the key state file (audit.key_state).
// Each record is a made-up decision whose queue id is TAG + thread + number.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "evidence/audit_log.h"
#include "evidence/key_file.h"

namespace ev = piiguard::evidence;

int main(int argc, char **argv) {
    if (argc < 6 || argc > 8) {
        std::fputs("usage: audit_writer FILE KEYFILE THREADS RECORDS TAG [MAILLOG [EPOCH_RECORDS]]\n", stderr);
        return 2;
    }
    ev::audit_log log;
    ev::audit_options o;
    std::mutex log_mu;
    std::string maillog = argc > 6 ? argv[6] : "";
    if (argc > 7) o.epoch_records = std::strtoull(argv[7], nullptr, 10);
    if (const char *st = std::getenv("PIIGUARD_TEST_KEY_STATE")) o.key_state = st;
    if (!maillog.empty())
        o.log = [&](bool error, const std::string &line) {
            std::lock_guard<std::mutex> g(log_mu);
            std::ofstream(maillog, std::ios::app) << "Dec  1 22:00:00 host piiguard-milter[1]: "
                                                  << (error ? "error: " : "") << line << "\n";
        };
    log.open(argv[1], ev::load_key_file(argv[2]), ev::fsync_policy::interval, o);
    int threads = std::atoi(argv[3]), n = std::atoi(argv[4]);
    std::string tag = argv[5];
    std::vector<std::thread> t;
    for (int i = 0; i < threads; ++i)
        t.emplace_back([&, i] {
            for (int j = 0; j < n; ++j) {
                ev::audit_record r;
                r.time = std::time(nullptr);
                r.queue_id = tag + std::to_string(i) + "X" + std::to_string(j);
                r.client = "127.0.0.1";
                r.pii = {{"iban", 1 + j % 3}};
                r.profile = "gdpr";
                r.verdict = j % 5 ? "accept" : "reject";
                r.outbound = "piiguard-tls12";
                log.append(r);
            }
        });
    for (auto &x : t) x.join();
    log.checkpoint();   // as the daemons do at shutdown
    return 0;
}
