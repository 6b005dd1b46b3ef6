# guest/guest.mk - the test guests, included by the top-level Makefile.
#
# Each guest is guest/<name>.c linked with the library guest/lib/*.{c,asm} at
# 1 MiB (guest/lib/guest.ld):
#   $(BUILD)/guest/<name>.elf64   ELF64 with symbols and debug info (gdb, objdump)
#   $(BUILD)/guest/<name>.elf     elf32-i386 copy: what qemu -kernel, GRUB and
#                                 chronovisor load (QEMU refuses ELF64 Multiboot images)
# Objects go to $(BUILD)/guest/obj/; their .d files are picked up by the
# top-level Makefile's include of every .d under $(BUILD).
# The guest is its own program: it shares no code with vmm/, only the
# hypercall ABI header vmm/core/hypercall_abi.h.

GUEST_NAMES := hello platform hostile bench tsc migrate warp apic deadline rtos tpr chaos isolate cpuidc
GUEST_ELFS  := $(patsubst %,$(BUILD)/guest/%.elf,$(GUEST_NAMES))

# Guests are freestanding 64-bit code built like the hypervisor, without its stack
# protector (whose canary lives in the hypervisor, lib/stack_protector.c).
GUEST_CFLAGS  := $(filter-out -fstack-protector-strong -mstack-protector-guard=global,$(KCFLAGS)) -fno-stack-protector
GUEST_ASFLAGS := -f elf64 -g -F dwarf -w+all -w+error
GUEST_LDFLAGS := $(filter-out -T linker.ld,$(KLDFLAGS)) -T guest/lib/guest.ld

GUEST_OBJDIR  := $(BUILD)/guest/obj
GUEST_LIB_OBJS := $(patsubst %.c,$(GUEST_OBJDIR)/%.o,$(sort $(wildcard guest/lib/*.c))) \
                  $(patsubst %.asm,$(GUEST_OBJDIR)/%.o,$(sort $(wildcard guest/lib/*.asm)))

$(GUEST_OBJDIR)/%.o: %.c guest/guest.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJDIR)/%.o: %.asm guest/guest.mk
	@mkdir -p $(dir $@)
	$(NASM) $(GUEST_ASFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/guest/%.elf64: $(GUEST_OBJDIR)/guest/%.o $(GUEST_LIB_OBJS) guest/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

# Debug info stays in the .elf64; the loaders need only the segments.
$(BUILD)/guest/%.elf: $(BUILD)/guest/%.elf64
	$(OBJCOPY) -O elf32-i386 --strip-debug $< $@

.SECONDARY: $(GUEST_LIB_OBJS) $(patsubst %,$(GUEST_OBJDIR)/guest/%.o,$(GUEST_NAMES)) \
            $(patsubst %,$(BUILD)/guest/%.elf64,$(GUEST_NAMES))
