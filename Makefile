# drconsole: disaster-recovery console for commcare-cloud deployments.
#
#   make              build ./drconsole (installs missing Debian build packages first)
#   make test         build and run unit, integration (lab) and end-to-end tests
#   make SANITIZE=1 test   the same under ASan+UBSan
#   make SANITIZE=thread test   unit, integration and e2e tests under ThreadSanitizer
#   make fuzz         run every libFuzzer target for FUZZ_SECONDS each
#   make bench        measured performance figures
#   make lab-up | lab-down | lab-status | lab-load      the loopback two-site lab
#   make demo         lab up, then the console on it
#   make install PREFIX=/usr/local DESTDIR=

PROG     := drconsole
VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   := $(PREFIX)/bin
MANDIR   := $(PREFIX)/share/man/man1
DATADIR  := $(PREFIX)/share/drconsole

PKGS     := ncursesw libcurl yaml-0.1 libpq libssh2 jansson libxml-2.0 libcrypto

# Debian packages: to build; to run the test suite and the lab.
DEB_BUILD := gcc make pkg-config libncurses-dev libcurl4-openssl-dev libyaml-dev \
             libpq-dev libssh2-1-dev libssl-dev libjansson-dev libxml2-dev libcmocka-dev
DEB_TEST  := $(DEB_BUILD) tmux postgresql postgresql-contrib openssh-server \
             openssh-client ansible procps iproute2 python3 curl \
             clang libclang-rt-14-dev prometheus awscli
DEB_BENCH := $(DEB_TEST) pssh htop hyperfine valgrind
DEB_SHOTS := aha chromium

CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
STD      := -std=c17
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -DDRCONSOLE_VERSION='"$(VERSION)"' -DDRCONSOLE_DATADIR='"$(DATADIR)"'

ifeq ($(SANITIZE),1)
BUILD    := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BIN      := $(BUILD)/$(PROG)
else ifeq ($(SANITIZE),thread)
BUILD    := build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
BIN      := $(BUILD)/$(PROG)
else
BUILD    := build/release
SANFLAGS :=
BIN      := $(PROG)
endif

# Expanded when used (after `deps` has run), not when the Makefile is read.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = $(STD) $(WARNINGS) $(CFLAGS) $(SANFLAGS) -Iinclude $(DEFS) $(PKG_CFLAGS) -pthread -MMD -MP
ALL_LIBS   = $(PKG_LIBS) -pthread -lm

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
LIBA     := $(BUILD)/libdrconsole.a

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

ITEST_SRC := $(sort $(wildcard tests/integration/itest_*.c))
ITEST_BIN := $(ITEST_SRC:tests/integration/%.c=$(BUILD)/tests/%)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-test deps-bench deps-shots test unit integration e2e \
        check-build fuzz fuzz-build bench lab-up lab-down lab-status lab-load \
        demo screenshots install uninstall clean distclean

all: $(BIN)

# install_debs PKG...: apt-get install what is missing (as root), or print
# the command to run (as another user).
INSTALL_DEBS = install_debs() { \
	missing=""; for p in "$$@"; do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && return 0; \
	if ! command -v dpkg-query >/dev/null; then echo "deps: not a Debian system; install the equivalents of:$$missing" >&2; return 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get install -y -q --no-install-recommends $$missing || { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }; } >build-deps.log 2>&1 \
	    || { tail -20 build-deps.log >&2; echo "deps: apt-get failed (see build-deps.log)" >&2; return 1; }; \
	else \
	  echo "deps: missing Debian packages; run:" >&2; \
	  echo "  sudo apt-get install -y$$missing" >&2; return 1; \
	fi; }; install_debs

deps:
	@$(INSTALL_DEBS) $(DEB_BUILD)
# Node.js may come from elsewhere than Debian, with its own npm: install
# Debian's only when there is no npm at all.
deps-test:
	@$(INSTALL_DEBS) $(DEB_TEST)
	@command -v npm >/dev/null 2>&1 || { $(INSTALL_DEBS) nodejs npm; }
	@if [ -x tests/lab/lab.sh ]; then tests/lab/lab.sh deps; fi
deps-bench:
	@$(INSTALL_DEBS) $(DEB_BENCH)
deps-shots:
	@$(INSTALL_DEBS) $(DEB_SHOTS)

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBA)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(MAIN_OBJ) $(LIBA) $(ALL_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBA) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIBA) $(ALL_LIBS) -lcmocka

$(BUILD)/tests/itest_%: tests/integration/itest_%.c $(LIBA) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIBA) $(ALL_LIBS) -lcmocka

check-build: $(BIN) $(UNIT_BIN) $(ITEST_BIN)

# The whole suite: unit tests, then the lab-backed integration and tmux end-to-end tests.
test: deps-test check-build
	@BUILD=$(BUILD) DRCONSOLE=$(abspath $(BIN)) SANITIZE=$(SANITIZE) tests/run.sh all

unit: check-build
	@BUILD=$(BUILD) DRCONSOLE=$(abspath $(BIN)) tests/run.sh unit
integration: deps-test check-build
	@BUILD=$(BUILD) DRCONSOLE=$(abspath $(BIN)) tests/run.sh integration
e2e: deps-test check-build
	@BUILD=$(BUILD) DRCONSOLE=$(abspath $(BIN)) tests/run.sh e2e

# libFuzzer targets: clang, ASan+UBSan, every src file but main.
FUZZ_CFLAGS = -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude $(DEFS) $(PKG_CFLAGS) -pthread
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) | deps-test
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(ALL_LIBS)
fuzz-build: $(FUZZ_BIN)
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BIN)

BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: tests/bench/%.c $(LIBA) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(ALL_LIBS)

bench: deps-bench $(BIN) $(BENCH_BIN)
	@DRCONSOLE=$(abspath $(BIN)) BUILD=$(BUILD) tests/bench/run.sh

lab-up: deps-test $(BIN)
	@tests/lab/lab.sh up
lab-down:
	@tests/lab/lab.sh down
lab-status:
	@tests/lab/lab.sh status
lab-load:
	@tests/lab/lab.sh load

demo: lab-up
	@tests/lab/lab.sh demo $(abspath $(BIN))

screenshots: deps-test deps-shots $(BIN)
	@DRCONSOLE=$(abspath $(BIN)) tests/e2e/screenshots.sh

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/themes $(DESTDIR)$(DATADIR)/runbooks
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/$(PROG)
	install -m 0644 docs/drconsole.1 $(DESTDIR)$(MANDIR)/drconsole.1
	@for d in themes runbooks; do \
	  if ls $$d/*.yml >/dev/null 2>&1; then echo "install -m 0644 $$d/*.yml $(DESTDIR)$(DATADIR)/$$d/"; install -m 0644 $$d/*.yml $(DESTDIR)$(DATADIR)/$$d/; fi; \
	done
	@# the system file is read by every user: readable, or it pins read-only for all but root
	install -d -m 0755 $(DESTDIR)/etc/drconsole
	@if [ -e $(DESTDIR)/etc/drconsole/config.yml ]; then echo "chmod 0644 $(DESTDIR)/etc/drconsole/config.yml"; chmod 0644 $(DESTDIR)/etc/drconsole/config.yml; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) $(DESTDIR)$(MANDIR)/drconsole.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build $(PROG) build-deps.log

distclean: clean
	-@tests/lab/lab.sh down >/dev/null 2>&1
	rm -rf tests/lab/node_modules

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
