# chronovisor - top-level Makefile.
#
#   make            build/chronovisor.elf (ELF64 Multiboot1), build/chronovisor32.elf
#                   (elf32-i386 copy for qemu -kernel) and the guests in build/guest/
#   make iso        build/chronovisor.iso: hybrid BIOS+UEFI GRUB image, multiboot2, a menu with one
#                   entry per TSC policy and a serial-console one (docs/hardware.md)
#   make run        the demo under Bochs (installs missing packages first)
#   make run-qemu   QEMU + KVM with nested VMX (-cpu host), the path on real Intel hosts
#   make debug      QEMU TCG with a gdb stub (non-VMX path); see .gdbinit
#   make test       host unit tests + emulator tests; ends with "N passed, N failed"
#   make unit       host unit tests only (cmocka, ASan + UBSan)
#   make fuzz       libFuzzer targets (tests/fuzz/, docs/fuzzing.md), FUZZ_SECONDS (60) each
#   make deps       install the Debian packages the project needs
#   make plot       pictures of the guest clock (docs/img/*.png) from the demo run (scripts/plot)
#   make plot-timers  only the timer-lateness picture (docs/img/timer-lateness.png, one Bochs boot)
#   make lab-N      lab N of the course (labs/README.md): build build/lab-N/tree, the tree with
#                   lab N's piece removed (made once, then kept: it holds your work), and run
#                   lab N's tests on it; LAB_TREE=DIR tests another tree (LAB_TREE=. the solution)
#   make test-labs  every lab must fail on its stubbed tree and pass on this one (slow: Bochs)
#   make test-long  the slow suites (tests/long/: 8 pCPUs in Bochs, with and without x2apic=on)
#   make linux      fetch the Linux guest (scripts/fetch-linux: Debian's cloud kernel, busybox, the
#                   initramfs with tests/linux/) into build/linux/
#   make test-linux every Linux scenario (tests/emu/test_linux.sh all: 1, 2 and 4 vCPUs, percpu and
#                   the none/kvm2633 controls; Bochs, long)
#   make run-linux  Linux under chronovisor on 2 skewed pCPUs to a busybox shell (docs/linux.md)
#   make soak       >= 10^5 vCPU moves on 4 skewed pCPUs beside a chaos VM (tests/soak/run; long)
#
# BUILD can be overridden (make BUILD=/tmp/b) to keep parallel builds apart.
# V=1 shows the full commands.

BUILD    ?= build
ifeq ($(V),1)
Q :=
else
Q := @
endif
CC       ?= gcc
NASM     ?= nasm
LD       ?= ld
OBJCOPY  ?= objcopy

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wpointer-arith -Wundef
# The kernel uses no SSE (-mno-sse), so nothing in it needs a 16-byte
# aligned stack: -mpreferred-stack-boundary=3 keeps 8, and a function whose
# only calls are its failure paths needs no SUB/ADD of RSP (2 instructions
# on the exit path). GCC still realigns a frame that holds an over-aligned
# local.
KCFLAGS  := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-builtin -nostdinc \
            -isystem $(shell $(CC) -print-file-name=include) \
            -m64 -mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
            -mpreferred-stack-boundary=3 \
            -fno-pic -fno-pie -mcmodel=small \
            -fstack-protector-strong -mstack-protector-guard=global \
            -fno-omit-frame-pointer -fno-strict-aliasing -fno-common \
            -fno-asynchronous-unwind-tables -MMD -MP
KASFLAGS := -f elf64 -g -F dwarf -w+all -w+error -Iboot/ -I$(BUILD)/gen/
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
            --no-warn-rwx-segments -T linker.ld

KSRCS_C   := $(filter-out vmx/asm_offsets.c,$(sort $(wildcard lib/*.c kernel/*.c vmx/*.c vmm/*.c vmm/*/*.c)))
KSRCS_ASM := $(sort $(wildcard boot/*.asm vmx/*.asm))
KOBJS     := $(patsubst %.c,$(BUILD)/k/%.o,$(KSRCS_C)) \
             $(patsubst %.asm,$(BUILD)/k/%.o,$(KSRCS_ASM))

# Plain-C pieces with no hardware access: built for the host and unit-tested.
HOSTLIB_SRCS := $(wildcard \
                 lib/printf.c \
                 lib/cmdline.c \
                 lib/mtrr.c \
                 kernel/multiboot.c \
                 kernel/multiboot2.c \
                 kernel/mb_common.c \
                 kernel/spcr.c \
                 kernel/fbcon.c \
                 kernel/font.c \
                 kernel/paging.c \
                 kernel/frame.c \
                 vmm/loader/elf.c \
                 vmm/loader/guest_boot.c \
                 vmm/loader/linux_boot.c \
                 vmm/loader/snapshot.c \
                 vmm/dev/insn_decode.c \
                 vmm/loader/guest_mem.c \
                 vmx/caps_decode.c \
                 vmx/entry_check.c \
                 vmm/time/tsc_math.c \
                 vmm/time/skew_parse.c \
                 vmm/dev/lapic_regs.c \
                 vmm/core/cr_check.c \
                 vmm/dev/xsetbv.c \
                 kernel/acpi_parse.c \
                 vmm/core/report_once.c \
                 vmm/loader/acpi_tables.c)
HOST_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes -I. -DCV_HOST_TEST \
                -fsanitize=address,undefined -fno-omit-frame-pointer
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
# A UBSan report ends the test program (so the run counts it failed) instead of scrolling past.
HOST_CFLAGS  += -fno-sanitize-recover=all

.PHONY: all iso run run-qemu debug test unit bench deps clean clean-labs guests plot plot-timers test-labs soak \
        test-long linux test-linux run-linux
all: $(BUILD)/chronovisor.elf $(BUILD)/chronovisor32.elf guests

# The exit path's two hot files (vmm/exit.c: every exit; vmm/dev/hypercall.c:
# the null hypercall make bench measures) go without frame pointers: three
# instructions a function on the path of every exit. A backtrace through them
# skips their frame; every other file keeps its frame pointer for the dump.
$(BUILD)/k/vmm/exit.o $(BUILD)/k/vmm/dev/hypercall.o: KCFLAGS += -fomit-frame-pointer

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

# Offsets for the NASM stubs, generated from the C structs (vmx/asm_offsets.c).
$(BUILD)/gen/asm-offsets.inc: vmx/asm_offsets.c vmx/guest_regs.h vmx/vmcs.h vmx/vmcs_fields.h
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(CC) $(filter-out -MMD -MP,$(KCFLAGS)) -S $< -o $(@:.inc=.s)
	$(Q)sed -n 's/.*->\([A-Z0-9_]*\) \([0-9]*\).*/%define \1 \2/p' $(@:.inc=.s) > $@

$(BUILD)/k/%.o: %.asm $(BUILD)/gen/asm-offsets.inc
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(KASFLAGS) -MD $(@:.o=.d) $< -o $@

$(BUILD)/chronovisor.elf: $(KOBJS) linker.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS)

# qemu -kernel refuses ELF64 Multiboot images; the same image as elf32-i386 loads.
$(BUILD)/chronovisor32.elf: $(BUILD)/chronovisor.elf
	@echo "  OBJCOPY $@"
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

iso: $(BUILD)/chronovisor.iso
$(BUILD)/chronovisor.iso: $(BUILD)/chronovisor.elf scripts/mkiso
	scripts/mkiso --out $@ --kernel $< --menu

-include guest/guest.mk

guests: $(GUEST_ELFS)

# ---- host unit tests (cmocka) ----
$(BUILD)/unit/%: tests/unit/%.c $(HOSTLIB_SRCS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $< $(HOSTLIB_SRCS) -lcmocka

unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# ---- fuzzing (libFuzzer + ASan + UBSan, clang; docs/fuzzing.md) ----
# One program per target, build/fuzz/fuzz_<target>, from tests/fuzz/fuzz_<target>.c and the
# hypervisor sources it drives (FUZZ_SRCS_<target>). tests/fuzz/test_fuzz.sh (in make test)
# replays tests/fuzz/<target>/{corpus,crashes}/ and runs each target for FUZZ_SECONDS (2);
# make fuzz runs each for FUZZ_SECONDS (default 60) and keeps what it learns under build/fuzz/.
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes -I. \
                -DCV_FAKE_VMCS -DCV_FAKE_PHYS -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := cmdline skew multiboot elf insn pagewalk acpi devices snapshot linux
FUZZ_COMMON  := tests/fuzz/fuzz_stubs.c lib/printf.c
FUZZ_VMM     := tests/fuzz/fake_vmm.c vmm/time/vtsc.c vmm/time/tsc_math.c
FUZZ_SRCS_cmdline   := lib/cmdline.c vmm/options.c vmm/break.c $(FUZZ_VMM)
FUZZ_SRCS_skew      := vmm/time/skew_parse.c
FUZZ_SRCS_multiboot := kernel/multiboot.c $(wildcard kernel/mb_common.c kernel/multiboot2.c)
FUZZ_SRCS_elf       := vmm/loader/elf.c
FUZZ_SRCS_insn      := vmm/dev/insn_decode.c
FUZZ_SRCS_snapshot  := vmm/loader/snapshot.c
FUZZ_SRCS_linux     := vmm/loader/linux_boot.c
FUZZ_SRCS_pagewalk  := vmm/loader/guest_mem.c vmm/core/vm.c $(FUZZ_VMM)
FUZZ_SRCS_acpi      := kernel/multiboot.c $(wildcard kernel/acpi_parse.c)
FUZZ_INCL_acpi      := kernel/acpi.c kernel/smp.c   # included by the harness (static parsers)
# smp.c's AP start-up (paging, trampoline, APIC) is never called there: left unresolved (non-PIE,
# so that such a reference is a plain 0, never a dynamic relocation the loader refuses)
FUZZ_LDFLAGS_acpi   := -no-pie -Wl,--warn-unresolved-symbols
FUZZ_SRCS_devices   := vmm/dev/io.c vmm/dev/msr_emul.c vmm/dev/hypercall.c vmm/dev/cpuid.c \
                       vmm/dev/lapic.c vmm/dev/mmio.c vmm/dev/lapic_timer.c vmm/dev/lapic_state.c \
                       vmm/dev/lapic_regs.c vmm/dev/insn_decode.c vmm/loader/guest_mem.c \
                       vmm/dev/features.c vmm/dev/xsetbv.c vmm/dev/lapic_vapic.c \
                       $(filter-out vmm/core/guest_fpu.c,$(wildcard vmm/core/*.c)) $(FUZZ_VMM)
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) $$(FUZZ_SRCS_$$*) $$(FUZZ_INCL_$$*) \
                      $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_COMMON) $(FUZZ_SRCS_$*) $(FUZZ_LDFLAGS_$*)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# Long runs: FUZZ_SECONDS per target (default 60), FUZZ_TARGETS=... to pick some.
fuzz: $(FUZZ_BINS)
	BUILD=$(BUILD) tests/fuzz/test_fuzz.sh --long $(if $(FUZZ_SECONDS),--seconds $(FUZZ_SECONDS)) $(FUZZ_ONLY)

# ---- emulator-driven targets ----
# make test-long: the suites too slow for make test (8 pCPUs in Bochs; tests/long/).
test-long: deps all
	@rc=0; for t in tests/long/test_*.sh; do echo "== $$t"; $$t || rc=1; done; exit $$rc

# make soak: >= 10^5 vCPU moves on 4 skewed pCPUs with a chaos VM beside them (tests/soak/run;
# tens of minutes, not part of make test). SOAK_READS, SOAK_SLICE, SOAK_SEED... tune it.
soak: deps all
	tests/soak/run

deps:
	scripts/install-deps

# ---- the Linux guest (docs/linux.md) ----
linux:
	scripts/fetch-linux

test-linux: deps all
	LINUX_SCENARIOS=all tests/emu/test_linux.sh

run-linux: deps all linux
	scripts/cvrun --emu bochs --cpus 2 --timeout 0 --console-in - --hv "watchdog=0 skew=0,+1000000 migrate=rr" \
	  --guest "$(BUILD)/linux/vmlinuz mem=256M vcpus=2 console=ttyS0 nokaslr cryptomgr.notests ltsleeps=100 ltwarp=1000 ltshell=1" \
	  --guest-module $(BUILD)/linux/initrd.img

run: deps all
	scripts/demo

run-qemu: all
	scripts/cvrun --emu qemu-kvm

debug: all
	scripts/cvrun --emu qemu --gdb

test: deps
	$(MAKE) all
	tests/run-all

bench: deps all
	tests/bench/run

# PLOT_FLAGS=--fresh runs the demo scenario again instead of reusing the newest sampled demo log.
plot: deps all
	scripts/plot $(PLOT_FLAGS)

plot-timers:
	scripts/plot --timers

# ---- labs (labs/README.md) ----
# lab-N: labs/check makes build/lab-N/tree with labs/mklab if it is not there yet, builds it and
# runs lab N's tests. Inside a lab tree, `make lab-N` tests that tree itself.
lab-%: deps
	labs/check $* $(LAB_TREE)

test-labs: deps
	$(MAKE) all
	tests/labs/test_labs.sh

# clean keeps the lab trees (build/lab-*/tree holds students' work); clean-labs removes them.
clean:
	@if [ -d $(BUILD) ]; then find $(BUILD) -mindepth 1 -maxdepth 1 ! -name 'lab-*' -exec rm -rf {} +; fi
	@if ls -d $(BUILD)/lab-* >/dev/null 2>&1; then echo "clean: kept $$(ls -d $(BUILD)/lab-* | tr '\n' ' ')(make clean-labs removes them)"; else rm -rf $(BUILD); fi

clean-labs:
	rm -rf $(BUILD)/lab-*

# dependency files of this tree only, not of the lab trees (build/lab-*, and test_labs' under test-logs)
-include $(shell find $(BUILD) \( -path '$(BUILD)/lab-*' -o -path '$(BUILD)/test-logs' -o -path '$(BUILD)/linux' \) -prune -o -name '*.d' -print 2>/dev/null)
