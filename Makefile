# piiguard - one non-recursive GNU makefile (see README.md).
#
#   make            build the library, the programs and the tests (obj/)
#   make run        install missing Debian packages, build, run the main job
#   make stop       stop what `make run` left running
#   make check      the same, then every test layer; ends with "N passed, N failed"
#   make bench      throughput figures beside baselines measured in the same run
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 300)
#   make asan       ASan+UBSan build of the tests and the CLI (obj-asan/)
#   make fuzzers    libFuzzer targets, clang-14 (obj-fuzz/)
#   make install    PREFIX=/usr/local DESTDIR=

CXX ?= g++
CXXFLAGS ?= -O2 -g
LDFLAGS ?=
PIIGUARD_CXXFLAGS = -std=c++20 -Wall -Wextra -Werror -Imilter/core -Imilter -MMD -MP
PKGS = libpcre2-8 tomlplusplus libssl libcrypto zlib libzip expat libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS = $(PKG_LIBS)
# libunbound (milter/net: the validating DNS resolver) is asked for apart:
# Debian 12's libunbound.pc names libevent, nettle and hogweed in
# Requires.private, whose .pc files libunbound-dev does not pull in, and a
# failing name would empty PKG_LIBS above.
NET_LIBS := $(shell pkg-config --libs libunbound 2>/dev/null || echo -lunbound)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
DATADIR = $(PREFIX)/share/piiguard
MANDIR = $(PREFIX)/share/man
DEFS = -DPIIGUARD_DATADIR='"$(DATADIR)"'

CORE_SRC := $(sort $(wildcard milter/core/*/*.cpp))
NET_SRC := $(sort $(wildcard milter/net/*.cpp))
CLI_SRC := $(sort $(wildcard milter/cli/*.cpp))
MILTER_SRC := $(sort $(wildcard milter/smfi/*.cpp))
POLICYD_SRC := $(sort $(wildcard milter/policyd/*.cpp))
MILTER_LIBS = $(shell pkg-config --libs milter 2>/dev/null || echo -lmilter) -lpthread
UNIT_SRC := $(sort $(wildcard tests/unit/*.cpp))
TOOL_SRC := tests/golden/mime_dump.cpp tests/bench/scan_bench.cpp
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*.cpp))

# Variants: obj/ (release, g++), obj-asan/ (g++ ASan+UBSan), obj-fuzz/ (clang-14 libFuzzer).
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CXX = clang++-14
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_WARN = -std=c++20 -Wall -Wextra -Imilter/core -Imilter -MMD -MP

objs = $(patsubst %.cpp,$(1)/%.o,$(2))
.SECONDEXPANSION:
# Objects made through pattern rules are not intermediate: keep them.
.SECONDARY:

.PHONY: all deps deps-test run stop check bench fuzz fuzzers asan install clean
PROGRAMS = piiguard $(if $(MILTER_SRC),piiguard-milter) $(if $(POLICYD_SRC),piiguard-policyd)
all: $(PROGRAMS) obj/unit_tests obj/mime_dump obj/sign_eml

obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(PIIGUARD_CXXFLAGS) $(PKG_CFLAGS) $(DEFS) $(CXXFLAGS) -c -o $@ $<

obj-asan/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(PIIGUARD_CXXFLAGS) $(PKG_CFLAGS) $(DEFS) $(ASAN_FLAGS) -c -o $@ $<

obj-fuzz/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_WARN) $(PKG_CFLAGS) $(DEFS) $(FUZZ_FLAGS) -c -o $@ $<

%/libpiiguard.a: $$(call objs,$$*,$(CORE_SRC))
	@rm -f $@
	ar rcs $@ $^

# Network adapters shared by the CLI and the daemons (milter/net: sockets,
# SMTP, OpenSSL, DNS with libunbound); linked before libpiiguard.a, which they use.
%/libpiiguard-net.a: $$(call objs,$$*,$(NET_SRC))
	@rm -f $@
	ar rcs $@ $^

# Release build.
piiguard: $(call objs,obj,$(CLI_SRC)) obj/libpiiguard-net.a obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NET_LIBS) -lresolv
piiguard-milter: $(call objs,obj,$(MILTER_SRC)) obj/libpiiguard-net.a obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NET_LIBS) $(MILTER_LIBS) -lresolv
piiguard-policyd: $(call objs,obj,$(POLICYD_SRC)) obj/libpiiguard-net.a obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NET_LIBS) -lresolv -lpthread
obj/unit_tests: $(call objs,obj,$(UNIT_SRC)) obj/libpiiguard-net.a obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NET_LIBS) -lresolv -lpthread
obj/mime_dump: obj/tests/golden/mime_dump.o obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
obj/sign_eml: obj/tests/evidence/sign_eml.o obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
obj/scan_bench: obj/tests/bench/scan_bench.o obj/libpiiguard.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
obj/policy_bench: obj/tests/bench/policy_bench.o
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^
obj/noop_milter: obj/tests/bench/noop_milter.o
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(MILTER_LIBS)
obj/milter_client: obj/tests/bench/milter_client.o
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

# Sanitizer build.
asan: obj-asan/unit_tests obj-asan/piiguard
obj-asan/piiguard: $(call objs,obj-asan,$(CLI_SRC)) obj-asan/libpiiguard-net.a obj-asan/libpiiguard.a
	$(CXX) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) $(NET_LIBS) -lresolv
obj-asan/unit_tests: $(call objs,obj-asan,$(UNIT_SRC)) obj-asan/libpiiguard-net.a obj-asan/libpiiguard.a
	$(CXX) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) $(NET_LIBS) -lresolv -lpthread

# libFuzzer targets.
fuzzers: obj-fuzz/fuzz_mime obj-fuzz/fuzz_rules obj-fuzz/fuzz_scan obj-fuzz/fuzz_extract obj-fuzz/fuzz_mtasts
obj-fuzz/fuzz_%: obj-fuzz/tests/fuzz/fuzz_%.o obj-fuzz/libpiiguard.a
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
# (the MTA-STS target also reads HTTP responses: milter/net/https.cpp)
obj-fuzz/fuzz_mtasts: obj-fuzz/tests/fuzz/fuzz_mtasts.o obj-fuzz/libpiiguard-net.a obj-fuzz/libpiiguard.a
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS) $(NET_LIBS) -lresolv

deps:
	@sh contrib/install-deps.sh

deps-test:
	@sh contrib/install-deps.sh --test

# The main job: piiguard-milter with the bundled contrib/piiguard.toml in front
# of a private Postfix on loopback; sends the sample messages, reports what
# happened to each, and leaves it running (tests/postfix/demo.sh).
run: deps-test
	@$(MAKE) --no-print-directory -j2 all
	@sh tests/postfix/demo.sh start

# Stop what `make run` left running.
stop:
	@sh tests/postfix/demo.sh stop

check: deps-test
	@$(MAKE) --no-print-directory -j2 all
	@sh tests/check.sh

bench: deps-test
	@$(MAKE) --no-print-directory all obj/scan_bench obj/policy_bench obj/noop_milter obj/milter_client
	@sh tests/bench/run.sh

fuzz: deps
	@sh tests/fuzz/run.sh $${FUZZ_SECONDS:-300}

# install: programs, rules, man pages, Postfix snippets and systemd units
# under PREFIX; the bundled config and profiles into SYSCONFDIR/piiguard
# unless they exist already (an admin's edits are never overwritten), with
# rules_dir pointing at the installed rules.
install: $(PROGRAMS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/rules \
		$(DESTDIR)$(DATADIR)/postfix $(DESTDIR)$(DATADIR)/systemd $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/piiguard
	install -m 755 piiguard $(DESTDIR)$(BINDIR)/piiguard
	for p in $(filter-out piiguard,$(PROGRAMS)); do install -m 755 $$p $(DESTDIR)$(SBINDIR)/$$p; done
	install -m 644 rules/*.toml $(DESTDIR)$(DATADIR)/rules/
	install -m 644 contrib/postfix/* $(DESTDIR)$(DATADIR)/postfix/
	for f in contrib/systemd/*.service contrib/systemd/*.timer; do \
		sed 's|/usr/local/sbin/|$(SBINDIR)/|g; s|/usr/local/bin/|$(BINDIR)/|g' $$f >$(DESTDIR)$(DATADIR)/systemd/$$(basename $$f); done
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	[ -f $(DESTDIR)$(SYSCONFDIR)/piiguard/piiguard.toml ] || \
		sed 's|^rules_dir = .*|rules_dir = "$(DATADIR)/rules"|' contrib/piiguard.toml \
		>$(DESTDIR)$(SYSCONFDIR)/piiguard/piiguard.toml
	[ -f $(DESTDIR)$(SYSCONFDIR)/piiguard/profiles.toml ] || \
		install -m 644 contrib/profiles.toml $(DESTDIR)$(SYSCONFDIR)/piiguard/profiles.toml

clean:
	rm -rf obj obj-asan obj-fuzz tests/out piiguard piiguard-milter piiguard-policyd

-include $(shell find obj obj-asan obj-fuzz -name '*.d' 2>/dev/null)
