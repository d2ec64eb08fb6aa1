// sandbox_test - the PDF worker's system call filter (extract/sandbox.h),
// seen from inside the worker: a stand-in for pdftotext (a Python script
// named by PIIGUARD_PDFTOTEXT) tries what an exploited parser would, and
// prints what the kernel allowed; pdf_to_text returns that as the text.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "extract/pdf.h"
#include "extract/sandbox.h"

using namespace piiguard;

namespace {

const char *const k_probe = R"(#!/usr/bin/python3
import os, socket, sys
def t(name, f):
    try:
        f()
        print(name, "allowed")
    except OSError as e:
        print(name, "denied" if e.errno in (1, 38) else "error %d" % e.errno)
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
tmp = os.path.dirname(sys.argv[0])
t("read", lambda: open("/etc/passwd").read(1))
t("socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
t("unix-socket", lambda: socket.socket(socket.AF_UNIX).close())
t("create", lambda: open(tmp + "/written", "w").close())
t("append", lambda: open(sys.argv[0], "a").close())
t("unlink", lambda: os.unlink(sys.argv[0]))
t("fork", fork)
t("kill", lambda: os.kill(os.getppid(), 0))
t("thread", lambda: __import__("threading").Thread(target=lambda: None).start())
print("end")
)";

}  // namespace

TEST_CASE("the PDF worker cannot reach the network, start processes, signal others or write files")
{
    REQUIRE(extract::worker_sandbox() != nullptr);
    char dir[] = "/tmp/piiguard-sandbox-test.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string script = std::string(dir) + "/probe.py";
    std::ofstream(script) << k_probe;
    ::chmod(script.c_str(), 0755);
    ::setenv("PIIGUARD_PDFTOTEXT", script.c_str(), 1);

    std::string text;
    const extract::pdf_status st = extract::pdf_to_text("%PDF-1.4\n%%EOF\n", util::limits{}, text);
    ::unsetenv("PIIGUARD_PDFTOTEXT");
    CHECK(st == extract::pdf_status::ok);
    CAPTURE(text);
    CHECK(text.find("read allowed\n") != std::string::npos);     // it can still do its job
    CHECK(text.find("thread allowed\n") != std::string::npos);   // poppler may use threads
    CHECK(text.find("socket denied\n") != std::string::npos);
    CHECK(text.find("unix-socket denied\n") != std::string::npos);
    CHECK(text.find("create denied\n") != std::string::npos);
    CHECK(text.find("append denied\n") != std::string::npos);
    CHECK(text.find("unlink denied\n") != std::string::npos);
    CHECK(text.find("fork denied\n") != std::string::npos);
    CHECK(text.find("kill denied\n") != std::string::npos);
    CHECK(text.find("end\n") != std::string::npos);
    struct stat sb{};
    CHECK(::stat((std::string(dir) + "/written").c_str(), &sb) != 0);   // nothing was written
    CHECK(::stat(script.c_str(), &sb) == 0);                             // nor removed
    ::unlink(script.c_str());
    ::rmdir(dir);
}
