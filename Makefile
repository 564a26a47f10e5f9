# allot — plain GNU Makefile.
#
#   make            release build of build/allot
#   make run        install missing Debian packages (as root), build, run the default scenario
#   make check      same set-up, build with ASan+UBSan into build/asan, run every test
#   make bench      release build, run the benchmarks in bench/
#   make lint       cppcheck and clang-tidy over compile_commands.json
#   make fuzz       libFuzzer builds of the parser harnesses (clang)
#
# Variables: BUILD (output folder), SAN (e.g. address,undefined), WERROR=1,
# TEST (run one test by name: make check TEST=pool_basic).

CC      ?= cc
BUILD   ?= build
PKGS    := jansson libsodium sqlite3 libmicrohttpd libcurl
DEBS    := gcc libc6-dev make pkg-config libjansson-dev libsodium-dev \
           libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev libslurm-dev
DEBS_LINT := cppcheck clang-tidy bear
DEBS_FUZZ := clang libclang-rt-14-dev

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wvla -Wconversion -Wno-sign-conversion
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT     ?= -O2 -g
CFLAGS  ?=
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Isrc -I$(BUILD)
ifneq ($(strip $(PKGS)),)
CPPFLAGS += $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS))
endif
LDLIBS  += -lslurm -lm -pthread  # libslurm has no pkg-config file on Debian 12
ifneq ($(SAN),)
OPT     := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all
endif
ALL_CFLAGS = $(WARN) $(OPT) $(SANFLAGS) -pthread $(CFLAGS) -MMD -MP

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz-*.c))
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%-replay)
BENCH_SRC := $(sort $(wildcard bench/bench-*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: all run check test bench lint fuzz deps deps-check clean format
.DEFAULT_GOAL := all

all: $(BUILD)/allot

# ---- set-up -------------------------------------------------------------
# Installs missing Debian packages when run as root; otherwise prints the
# exact apt-get line and stops.  Only dpkg is consulted: no network unless
# something is missing.
deps:
	@missing=""; for p in $(DEBS) $(EXTRA_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || { echo "apt-get install failed:$$missing" >&2; exit 1; }; \
	  else \
	    echo "missing Debian packages; run:" >&2; \
	    echo "  sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

# ---- build --------------------------------------------------------------
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/liballot.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/allot: $(BUILD)/src/main.o $(BUILD)/liballot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# The test list is generated from the TEST(name) lines of tests/*.c, so a
# new test is one function in one file.
$(BUILD)/test-list.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho '^TEST([a-z0-9_]*)' $(TEST_SRC) | sed 's/^TEST(\(.*\))/X(\1)/' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/tests/runner.o: $(BUILD)/test-list.h
$(BUILD)/allot-test: $(TEST_OBJ) $(BUILD)/liballot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz harnesses: each fuzz/fuzz-NAME.c defines LLVMFuzzerTestOneInput; with
# gcc it is linked to fuzz/replay.c, a main that feeds it every corpus file.
$(BUILD)/fuzz/%-replay: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/replay.o $(BUILD)/liballot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/liballot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

# ---- main targets -------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/allot run korea-2026 --out $(BUILD)/korea-2026

check: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=address,undefined WERROR=1 \
	  $(BUILD)/asan/allot $(BUILD)/asan/allot-test $(FUZZ_REPLAY:$(BUILD)/%=$(BUILD)/asan/%)
	@ALLOT=$(BUILD)/asan/allot FUZZ_DIR=$(BUILD)/asan/fuzz \
	  $(BUILD)/asan/allot-test $(TEST)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@bash bench/bench-all.sh $(BUILD)/allot $(BENCH_BIN)

lint:
	@$(MAKE) --no-print-directory EXTRA_DEBS="$(DEBS_LINT)" deps
	@$(MAKE) --no-print-directory clean-lint
	@mkdir -p $(BUILD)
	bear --output $(BUILD)/compile_commands.json -- $(MAKE) --no-print-directory BUILD=$(BUILD)/lint all
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Isrc src
	clang-tidy -p $(BUILD) --quiet $(LIB_SRC) src/main.c

clean-lint:
	rm -rf $(BUILD)/lint

fuzz:
	@$(MAKE) --no-print-directory EXTRA_DEBS="$(DEBS_FUZZ)" deps
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); mkdir -p $(BUILD)/libfuzzer; \
	  echo "clang $$n"; \
	  clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) \
	    $$f $(LIB_SRC) -o $(BUILD)/libfuzzer/$$n $(LDLIBS) || exit 1; done
	@echo "run: $(BUILD)/libfuzzer/fuzz-NAME fuzz/corpus/NAME"

format:
	clang-format -i $(LIB_SRC) src/main.c $(TEST_SRC) $(FUZZ_SRC) $(BENCH_SRC)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
