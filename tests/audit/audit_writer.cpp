// audit_writer - append records to an audit log from many threads (tests/audit/run.sh)
//
//   audit_writer FILE KEYFILE THREADS RECORDS_PER_THREAD TAG
//
// Each record is a made-up decision whose queue id is TAG + thread + number.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "evidence/audit_log.h"
#include "evidence/key_file.h"

namespace ev = piiguard::evidence;

int main(int argc, char **argv) {
    if (argc != 6) {
        std::fputs("usage: audit_writer FILE KEYFILE THREADS RECORDS TAG\n", stderr);
        return 2;
    }
    ev::audit_log log;
    log.open(argv[1], ev::load_key_file(argv[2]), ev::fsync_policy::interval);
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
    return 0;
}
