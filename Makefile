# piiguard - one non-recursive GNU makefile (see README.md).
#
#   make            build the library, the programs and the tests
#   make run        install missing Debian packages, build, run the main job
#   make check      the same, then every test layer; ends with "N passed, N failed"
#   make bench      throughput figures beside baselines measured in the same run
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 300)
#   make install    PREFIX=/usr/local DESTDIR=

CXX ?= g++
CXXFLAGS ?= -O2 -g
PIIGUARD_CXXFLAGS = -std=c++20 -Wall -Wextra -Werror -Imilter/core -MMD -MP
PKGS = libpcre2-8 tomlplusplus
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS = $(PKG_LIBS)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
DATADIR = $(PREFIX)/share/piiguard
MANDIR = $(PREFIX)/share/man
SYSCONFDIR ?= /etc

OBJ = obj
CORE_SRC := $(sort $(wildcard milter/core/*/*.cpp))
CLI_SRC := $(sort $(wildcard milter/cli/*.cpp))
UNIT_SRC := $(sort $(wildcard tests/unit/*.cpp))

CORE_OBJ := $(CORE_SRC:%.cpp=$(OBJ)/%.o)
CLI_OBJ := $(CLI_SRC:%.cpp=$(OBJ)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.cpp=$(OBJ)/%.o)
LIB := $(OBJ)/libpiiguard.a

PROGRAMS = piiguard

.PHONY: all deps deps-test run check check-build bench fuzz install clean
all: $(PROGRAMS) $(OBJ)/unit_tests

$(OBJ)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(PIIGUARD_CXXFLAGS) $(PKG_CFLAGS) $(CXXFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

piiguard: $(CLI_OBJ) $(LIB)
	$(CXX) $(CXXFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(OBJ)/unit_tests: $(UNIT_OBJ) $(LIB)
	$(CXX) $(CXXFLAGS) -o $@ $(UNIT_OBJ) $(LIB) $(LDLIBS)

deps:
	@sh contrib/install-deps.sh

deps-test:
	@sh contrib/install-deps.sh --test

# The main job on the bundled defaults: scan the sample messages.
run: deps
	@$(MAKE) --no-print-directory all
	./piiguard scan --rules rules --explain tests/data/samples/*.eml

check: deps-test
	@$(MAKE) --no-print-directory all
	@sh tests/check.sh

bench: deps
	@$(MAKE) --no-print-directory all $(OBJ)/scan_bench
	@sh tests/bench/run.sh

fuzz: deps
	@sh tests/fuzz/run.sh $${FUZZ_SECONDS:-300}

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 piiguard $(DESTDIR)$(BINDIR)/piiguard
	install -m 644 rules/*.toml $(DESTDIR)$(DATADIR)/rules/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/

clean:
	rm -rf $(OBJ) obj-asan obj-fuzz tests/out $(PROGRAMS)

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
