/*
 * vmm/dev/io.h - port I/O: the guest's COM1, port 0xE9, isa-debug-exit,
 * the "Shutdown" port, ACPI soft-off and fw_cfg (vmm/dev/io.c).
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 */
#ifndef CV_DEV_IO_H
#define CV_DEV_IO_H

#include "vmm/core/vm.h"

/* Exit reason 30 (I/O instruction). */
void handle_io(struct vcpu *v);

/* Guest console output (COM1, port 0xE9, HC_WRITE): buffered per line and
 * forwarded as "[vmN] line"; flush prints a partial last line. The caller
 * holds vm->lock. */
void vm_console_putc(struct vm *vm, struct uart_state *u, char c);
void vm_console_flush(struct vm *vm);

/* Move what the host console's UART received into vm's COM1 (at most
 * UART_RX_MAX bytes held), once the guest's driver enabled its
 * received-data interrupt. The scheduler's pCPU 0 calls it for the
 * console_in= VM (vmm/sched.c); takes vm->lock. */
void vm_console_input(struct vm *vm);
/* Is vm's COM1 driver ready for input (received-data interrupt enabled)?
 * Inline: the scheduler's loop asks it between every two slices. */
#define VM_UART_IER_RDI 0x01
static inline bool vm_console_reading(struct vm *vm)
{
	return (__atomic_load_n(&vm->com1.ier, __ATOMIC_RELAXED) & VM_UART_IER_RDI) &&
	       vm->state == VM_RUNNING;
}

#endif
