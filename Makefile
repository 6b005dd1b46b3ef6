# chronovisor - top-level Makefile.
#
#   make            build/chronovisor.elf (ELF64 Multiboot1), build/chronovisor32.elf
#                   (elf32-i386 copy for qemu -kernel) and the guests in build/guest/
#   make iso        build/chronovisor.iso (GRUB, BIOS and UEFI when grub-efi is installed)
#   make run        the demo under Bochs (installs missing packages first)
#   make run-qemu   QEMU + KVM with nested VMX (-cpu host), the path on real Intel hosts
#   make debug      QEMU TCG with a gdb stub (non-VMX path); see .gdbinit
#   make test       host unit tests + emulator tests; ends with "N passed, N failed"
#   make unit       host unit tests only (cmocka)
#   make deps       install the Debian packages the project needs
#   make plot       pictures of the guest clock (docs/img/*.png) from the demo run (scripts/plot)
#   make plot-timers  only the timer-lateness picture (docs/img/timer-lateness.png, one Bochs boot)
#   make lab-N      lab N of the course (labs/README.md): build build/lab-N/tree, the tree with
#                   lab N's piece removed (made once, then kept: it holds your work), and run
#                   lab N's tests on it; LAB_TREE=DIR tests another tree (LAB_TREE=. the solution)
#   make test-labs  every lab must fail on its stubbed tree and pass on this one (slow: Bochs)
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
KCFLAGS  := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-builtin -nostdinc \
            -isystem $(shell $(CC) -print-file-name=include) \
            -m64 -mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
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
HOSTLIB_SRCS := $(wildcard lib/printf.c lib/cmdline.c lib/mtrr.c kernel/multiboot.c kernel/frame.c \
                 vmm/loader/elf.c vmm/loader/guest_boot.c vmm/loader/linux_boot.c vmm/loader/acpi_tables.c vmm/dev/insn_decode.c vmm/loader/guest_mem.c vmx/caps_decode.c vmx/entry_check.c vmm/time/tsc_math.c \
                 vmm/time/skew_parse.c vmm/dev/lapic_regs.c)
HOST_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes -I. -DCV_HOST_TEST \
                -fsanitize=address,undefined -fno-omit-frame-pointer
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all iso run run-qemu debug test unit bench deps clean clean-labs guests plot plot-timers test-labs soak \
        linux test-linux run-linux
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
	scripts/mkiso --out $@ --kernel $<

-include guest/guest.mk

guests: $(GUEST_ELFS)

# ---- host unit tests (cmocka) ----
$(BUILD)/unit/%: tests/unit/%.c $(HOSTLIB_SRCS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $< $(HOSTLIB_SRCS) -lcmocka

unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# ---- emulator-driven targets ----
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
	scripts/cvrun --emu bochs --cpus 2 --timeout 0 --hv "watchdog=0 skew=0,+1000000 migrate=rr" \
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
