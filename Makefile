# numig — see README.md. `make` builds build/numig and the guests;
# `make check` runs every test; `make demo` runs the main job.

BUILD   ?= build
CC      ?= gcc
# Guests are freestanding x86-64 code; any C compiler that builds numig does.
GUEST_CC ?= $(CC)
SAN     ?=

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
# libxml2 reads libvirt domain XML; a static build needs its own
# dependencies too (pkg-config --static).
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
XML_LIBS   := $(shell pkg-config $(if $(findstring -static,$(LDFLAGS)),--static) --libs libxml-2.0 2>/dev/null || echo -lxml2)
# Debian's static libxml2 pulls in ICU, which is C++.
XML_LIBS   += $(if $(findstring -static,$(LDFLAGS)),-lstdc++)
HOST_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -I. $(XML_CFLAGS) -pthread -MMD -MP
LDLIBS  := -lnuma $(XML_LIBS) -lpthread -lm
ifeq ($(SAN),asan)
HOST_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),tsan)
HOST_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
endif

# -fstack-clash-protection: a frame larger than a page is touched page by
# page from the top, so it faults in its own guard page (docs/design.md
# "Stack clash"); scripts/sdk.sh and guest/example/Makefile give it too.
GUEST_CFLAGS := -std=gnu11 $(WARN) -O2 -g -Iinclude -ffreestanding -nostdlib -fno-pic -fno-pie \
	-mno-red-zone -fno-stack-protector -fstack-clash-protection -fno-asynchronous-unwind-tables -fno-builtin -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-T,guest/rt/guest.ld

VMM_SRC := $(wildcard vmm/*/*.c)
MMU_SRC := $(wildcard mmu/*.c)
LIB_SRC := $(filter-out vmm/cli/main.c,$(VMM_SRC)) $(MMU_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)

RT_SRC  := guest/rt/entry.S guest/rt/rt.c guest/rt/format.c guest/rt/check.c guest/rt/gaps.c
RT_OBJ  := $(BUILD)/guest/rt/entry.o $(BUILD)/guest/rt/rt.o $(BUILD)/guest/rt/format.o $(BUILD)/guest/rt/check.o $(BUILD)/guest/rt/gaps.o
RT_LIB  := $(BUILD)/libnumig-guest.a

GUESTS  := hello idle integrity hammer
TEST_GUESTS := triple ud gp badcall spin exitcode pagefault shootdown hcbench affinity badword hostile stackclash \
	stackclash_noprobe failorder
GUEST_ELFS := $(GUESTS:%=$(BUILD)/guests/%.elf) $(TEST_GUESTS:%=$(BUILD)/guests/%.elf) \
	$(BUILD)/guests/example.elf

UNIT_SRC := $(wildcard tests/unit/test_*.c)
KVM_TEST_SRC := $(wildcard tests/integration/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) $(KVM_TEST_SRC:tests/integration/%.c=$(BUILD)/kvmtests/%)
# Run by `make check-numa` inside its two-node QEMU guest; built everywhere so they stay compiling.
NUMA_TEST_SRC := $(wildcard tests/numa/test_*.c)
NUMA_TEST_BIN := $(NUMA_TEST_SRC:tests/numa/%.c=$(BUILD)/numatests/%)
# Reproducers run inside the emulated host (docs/design.md "Precopy").
EMU_TEST_SRC := $(wildcard tests/emu/*.c)
EMU_TEST_BIN := $(EMU_TEST_SRC:tests/emu/%.c=$(BUILD)/emutests/%)
BENCH_BIN := $(BUILD)/numig-bench
# Statistics only the bench uses; test_bench_stats links them too.
BENCH_OBJ := $(BUILD)/obj/bench/bench_stats.o
# Man pages from scdoc sources (docs/man/NAME.SECTION.scd).
MAN_SRC := $(wildcard docs/man/*.scd)
MAN_PAGES := $(MAN_SRC:docs/man/%.scd=$(BUILD)/man/%)

.SECONDARY:
.PHONY: programs install uninstall man kselftest-install deb all deps check check-numa check-model unit integration sanitize tsan demo bench soak clean sdk fuzz fuzz-build fuzz-cc
all: $(BUILD)/numig $(BUILD)/numig-emu $(GUEST_ELFS) $(UNIT_BIN) $(NUMA_TEST_BIN) $(EMU_TEST_BIN) $(BENCH_BIN) $(BUILD)/sdk/lib/pkgconfig/numig-guest.pc \
	$(if $(shell command -v scdoc),$(MAN_PAGES))

$(BUILD)/numig: $(BUILD)/obj/vmm/cli/main.o $(BUILD)/libnumig.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The emulated host (README "No KVM on this machine"): a script beside
# numig, which finds its guest-side init in scripts/emu.
$(BUILD)/numig-emu: scripts/emu/numig-emu scripts/emu/init.sh
	@mkdir -p $(dir $@)
	sed 's|@EMU_LIB@|$(CURDIR)/scripts/emu|' $< >$@.tmp && chmod +x $@.tmp && mv $@.tmp $@

$(BUILD)/libnumig.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

# A unit test links the library, and the objects listed as its extra
# prerequisites below.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libnumig.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests -o $@ $< $(filter %.o,$^) $(BUILD)/libnumig.a $(LDFLAGS) $(LDLIBS)
$(BUILD)/tests/test_bench_stats: $(BENCH_OBJ)
# The mmu tests share one environment (tests/unit/mmu_env.h).
MMU_ENV_TESTS := test_migrate test_inject test_scan test_schedule test_tlb test_ws test_kmigrate
$(MMU_ENV_TESTS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/unit/mmu_env.o
# Model trails replayed on the real code (docs/design.md "Proof").
$(BUILD)/tests/test_replay: $(BUILD)/obj/tests/unit/replay.o $(BUILD)/obj/tests/unit/mmu_env.o

# The guest runtime's printf, built for the host to be compared with libc's.
$(BUILD)/tests/test_format: tests/unit/test_format.c guest/rt/format.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests -Iguest/rt -o $@ $(filter %.c,$^) $(LDFLAGS)

$(BUILD)/kvmtests/%: tests/integration/%.c $(BUILD)/libnumig.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests -o $@ $< $(BUILD)/libnumig.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/emutests/%: tests/emu/%.c $(BUILD)/libnumig.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests -o $@ $< $(BUILD)/libnumig.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/numatests/%: tests/numa/%.c $(BUILD)/libnumig.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests -o $@ $< $(BUILD)/libnumig.a $(LDFLAGS) $(LDLIBS)

$(BENCH_BIN): bench/bench.c $(BENCH_OBJ) $(BUILD)/libnumig.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(BENCH_OBJ) $(BUILD)/libnumig.a $(LDFLAGS) $(LDLIBS)

# ---- guests ---------------------------------------------------------------
$(BUILD)/guest/%.o: guest/%.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<
$(BUILD)/guest/%.o: guest/%.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

# The stack-clash guest as a toolchain without stack probes builds it: the
# VMM's per-vCPU stack mapping alone must name the right vCPU (issue 23).
$(BUILD)/guest/tests/stackclash_noprobe.o: guest/tests/stackclash.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -fno-stack-clash-protection -c -o $@ $<

$(RT_LIB): $(RT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/guests/%.elf: $(BUILD)/guest/%.o $(RT_LIB) guest/rt/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $< $(RT_LIB)
$(BUILD)/guests/%.elf: $(BUILD)/guest/tests/%.o $(RT_LIB) guest/rt/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $< $(RT_LIB)
# The example is built exactly as README "Writing your own guest" says.
$(BUILD)/guests/example.elf: guest/example/my_guest.c $(RT_LIB)
	@mkdir -p $(dir $@)
	$(MAKE) -s -C guest/example NUMIG=$(CURDIR) RUNTIME=$(CURDIR)/$(RT_LIB) OUT=$(CURDIR)/$@ CC=$(GUEST_CC)

# ---- the guest SDK: headers, runtime, linker script, pkg-config file ------
# `make sdk` installs it into PREFIX (default $(BUILD)/sdk); `make all`
# keeps $(BUILD)/sdk current.
NUMIG_VERSION := $(shell sed -n 's/^\#define NUMIG_VERSION "\(.*\)"/\1/p' vmm/report/report.h)
# `make sdk` without PREFIX: $(BUILD)/sdk (`make install` uses PREFIX too, with /usr/local).
SDK_PREFIX := $(if $(filter command line environment,$(origin PREFIX)),$(PREFIX),$(BUILD)/sdk)
SDK_INPUTS := $(RT_LIB) include/numig/abi.h guest/rt/numig_guest.h guest/rt/guest.ld scripts/sdk.sh
$(BUILD)/sdk/lib/pkgconfig/numig-guest.pc: $(SDK_INPUTS)
	scripts/sdk.sh $(BUILD)/sdk $(RT_LIB) $(NUMIG_VERSION)
sdk: $(SDK_INPUTS)
	scripts/sdk.sh "$(SDK_PREFIX)" $(RT_LIB) $(NUMIG_VERSION)
	@echo "guest SDK in $(SDK_PREFIX): PKG_CONFIG_PATH=$(abspath $(SDK_PREFIX))/lib/pkgconfig pkg-config --cflags --libs numig-guest"

# ---- make install / uninstall (README "Installing") -----------------------
# PREFIX/bin: numig, numig-emu, numig-bench; PREFIX/libexec/numig: the
# built-in guests and the emulated host's guest-side pieces, found by the
# installed programs from their own place; the guest SDK (scripts/sdk.sh)
# in PREFIX/include and PREFIX/lib; the man pages in PREFIX/share/man.
PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL_FILES := bin/numig bin/numig-emu bin/numig-bench $(GUESTS:%=libexec/numig/guests/%.elf) \
	libexec/numig/emu/init.sh libexec/numig/emu/kvm-hold.c \
	include/numig_guest.h include/numig/abi.h lib/libnumig-guest.a lib/numig/guest.ld \
	lib/pkgconfig/numig-guest.pc $(foreach m,$(MAN_PAGES),share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
# What is installed, without the tests (debian/rules builds this).
programs: $(BUILD)/numig $(BENCH_BIN) $(GUESTS:%=$(BUILD)/guests/%.elf) $(SDK_INPUTS) $(MAN_PAGES)
install: programs
	GUESTS="$(GUESTS)" scripts/install.sh "$(DESTDIR)$(PREFIX)" $(BUILD) $(NUMIG_VERSION) $(MAN_PAGES)
uninstall:
	cd "$(DESTDIR)$(PREFIX)" && rm -f $(INSTALL_FILES)
	-cd "$(DESTDIR)$(PREFIX)" && rmdir -p libexec/numig/guests libexec/numig/emu include/numig lib/numig \
		lib/pkgconfig share/man/man1 share/man/man7 2>/dev/null

# ---- kselftest collection (README "A kselftest collection") ---------------
# `make kselftest-install INSTALL_PATH=DIR`: DIR/kselftest-list.txt
# (numig:TEST lines) and DIR/numig: the tests, their settings (timeout=),
# numig and the guests they run, as run_kselftest.sh expects.
KSFT_TESTS := $(patsubst tests/kselftest/%.sh,%,$(filter-out tests/kselftest/ksft_lib.sh,$(wildcard tests/kselftest/*.sh)))
kselftest-install: $(BUILD)/numig $(BUILD)/guests/integrity.elf $(BUILD)/guests/hello.elf $(BUILD)/guests/hostile.elf
	@[ -n "$(INSTALL_PATH)" ] || { echo "kselftest-install: give INSTALL_PATH=DIR" >&2; exit 2; }
	install -d "$(INSTALL_PATH)/numig/guests"
	install -m 755 $(BUILD)/numig "$(INSTALL_PATH)/numig/numig"
	install -m 644 $(filter %.elf,$^) "$(INSTALL_PATH)/numig/guests/"
	install -m 644 tests/kselftest/ksft_lib.sh tests/kselftest/settings "$(INSTALL_PATH)/numig/"
	for t in $(KSFT_TESTS); do install -m 755 tests/kselftest/$$t.sh "$(INSTALL_PATH)/numig/$$t" || exit 1; done
	printf 'numig:%s\n' $(KSFT_TESTS) >"$(INSTALL_PATH)/kselftest-list.txt"

# ---- Debian packages (debian/; README "Installing") -------------------------
deb:
	@scripts/deb.sh $(BUILD) $(NUMIG_VERSION)

# ---- man pages: scdoc sources in docs/man (docs/design.md "Installing") -----
man: $(MAN_PAGES)
$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "the man pages need scdoc: apt-get install scdoc (make deps)" >&2; exit 1; }
	scdoc <$< >$@.tmp && mv $@.tmp $@

# ---- the two commands of the README, and the rest -------------------------
deps:
	@scripts/deps.sh

check: deps
	@scripts/check.sh

# numig's own tests inside a QEMU guest with two real NUMA nodes and nested-paging KVM (README).
check-numa: deps
	@scripts/check-numa.sh

# The guard protocol for every interleaving of a bounded model, with SPIN
# (formal/migrate.pml, docs/design.md "Proof"); make check runs it too.
check-model: deps
	@scripts/check-model.sh

unit: all
	@scripts/run-tests.sh unit $(BUILD)

integration: all
	@scripts/run-tests.sh integration $(BUILD)

DEMO_ARGS := --guest integrity --vcpus 2 --nodes 2 --ws 64M --mem 256M --duration 3s \
	--scan-period 20ms --scan-size 8 --lazy-flush-delay 5ms --migrate rate=500/s,pattern=pingpong
# Without a usable /dev/kvm the same demo runs in the emulated host
# (README "No KVM on this machine").
demo: deps all
	@if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then \
		echo "$(BUILD)/numig run $(DEMO_ARGS)"; \
		exec $(BUILD)/numig run $(DEMO_ARGS); \
	else \
		echo "demo: this machine has no usable /dev/kvm, so the demo runs in the emulated host (QEMU/TCG, 2 NUMA"; \
		echo "demo: nodes, KVM with nested paging inside; README \"No KVM on this machine\"): integrity, placement and"; \
		echo "demo: guard results are real, timings are not performance data"; \
		echo "$(BUILD)/numig-emu run $(DEMO_ARGS)"; \
		exec $(BUILD)/numig-emu run $(DEMO_ARGS); \
	fi

bench: deps all
	$(BENCH_BIN) --numig $(BUILD)/numig

soak: deps all
	scripts/soak.sh $(BUILD) 1000000

# ---- fuzzing (libFuzzer, clang) -------------------------------------------
# `make fuzz` runs every target in tests/fuzz for FUZZ_TIME seconds (CI);
# a longer run of one target: scripts/fuzz.sh BUILD/fuzz 300 elf
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 30
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := $(filter-out $(CFLAGS),$(HOST_CFLAGS)) -O1 -g $(FUZZ_SAN)
FUZZ_OBJ   := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ_DIR)/libnumig.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libnumig.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libnumig.a $(LDLIBS)

fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (libFuzzer): apt-get install clang" >&2; exit 1; }
fuzz-build: fuzz-cc $(FUZZ_BIN)
fuzz: deps fuzz-cc $(FUZZ_BIN) $(GUEST_ELFS)
	@scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_TIME)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
