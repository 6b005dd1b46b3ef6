# .gdbinit - `make debug` starts QEMU (TCG, no VMX) with a gdb stub on :1234, halted at reset.
# Attach from the repository root with:  gdb -x .gdbinit
# (gdb may refuse to auto-load a .gdbinit from the current directory; -x loads it explicitly.)
#
# The image is ELF64, but the CPU starts it in 32-bit protected mode (Multiboot) and switches to
# long mode itself: tell gdb the 64-bit architecture up front, so 64-bit symbols and registers make
# sense once kmain runs. Breakpoints in 32-bit boot code may show odd disassembly before the switch.
set architecture i386:x86-64
symbol-file build/chronovisor.elf
target remote localhost:1234
# Stop in C once long mode is up:
break kmain
echo \n[chronovisor] attached; breakpoint at kmain. 'continue' to boot.\n
