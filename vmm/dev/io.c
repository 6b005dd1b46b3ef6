/*
 * vmm/dev/io.c - the guest's I/O ports: every IN/OUT exits (the I/O bitmaps are
 * all ones) and lands here; nothing reaches a host device.
 *
 * Context: VMX root, on the pCPU where the vCPU's VMCS is current.
 * Emulated (the subset QEMU -kernel guests expect, docs/design.md "Guests"):
 *   0x3F8-0x3FF  COM1 16450: transmit forwarded line by line as "[vmN] ...",
 *                LSR reads "transmitter empty", IIR shows the transmitter-empty
 *                interrupt as a 16450 does (pending after a THR or IER write
 *                while IER enables it, cleared by reading IIR), though no
 *                interrupt line is raised: Linux polls it (docs/linux.md).
 *                Receive: the console_in= VM's COM1 gets what arrives on the
 *                host console's UART (vm_console_input), once the guest
 *                enables the received-data interrupt (its driver is ready):
 *                RBR pops it, LSR shows data ready, IIR the received-data
 *                interrupt (above THRE, as the 16450's priorities say);
 *                the rest benign
 *   0xE9         debug console, forwarded the same way (reads 0xE9, as Bochs)
 *   0xF4         isa-debug-exit: a write of v ends the VM with (v << 1) | 1
 *   0x8900       "Shutdown" written byte by byte ends the VM (Bochs)
 *   0xB004/0x604 ACPI PM1a control of Bochs/QEMU: SLP_EN ends the VM (soft-off)
 *   0x510/0x511  fw_cfg: selector and data ("QEMU" signature, CPU count)
 *   0x600/0x601  hardware-reduced ACPI sleep control/status (the Linux guests'
 *                FADT, vmm/loader/acpi_tables.h): SLP_EN with SLP_TYP 5 (S5)
 *                ends the VM (power-off); status reads 0
 *   0x70/0x71    CMOS RTC, read-only and stopped: 2000-01-01 00:00:00, BCD, 24 h,
 *                never "update in progress" (so Linux reads a time at once
 *                instead of polling an absent chip); other CMOS bytes read 0
 *   0xCF9        reset control (the FADT's reset register): a reset value
 *                ends the VM (reboot)
 * Any other port reads all-ones and ignores writes; each is counted and the
 * first use of each port is reported once per VM.
 * Exit qualification: SDM Vol. 3C, "Exit Qualification for I/O Instructions".
 */
#include "vmm/dev/io.h"
#include "vmm/loader/acpi_tables.h"
#include "vmm/core/vcpu.h"
#include "kernel/console.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmx/vmcs.h"

#define IOQ_SIZE_MASK     0x7u        /* 0: 1 byte, 1: 2 bytes, 3: 4 bytes */
#define IOQ_IN            BIT(3)
#define IOQ_STRING        BIT(4)
#define IOQ_PORT_SHIFT    16

#define COM1_BASE         0x3F8
#define COM1_LAST         0x3FF
#define DEBUGCON_PORT     0xE9
#define DEBUG_EXIT_PORT   0xF4
#define BOCHS_SHUTDOWN    0x8900
#define BOCHS_PM1A_CNT    0xB004
#define QEMU_PM1A_CNT     0x604
#define PM1_CNT_SLP_EN    BIT(13)
#define FW_CFG_SELECTOR   0x510
#define FW_CFG_DATA       0x511
#define RESET_CTL_RESET   BIT(2)      /* 0xCF9 bit 2: start the reset */
#define CMOS_INDEX        0x70
#define CMOS_DATA         0x71
#define CMOS_INDEX_MASK   0x7F        /* bit 7 of the index is the NMI mask */
#define CMOS_DAY          0x07
#define CMOS_MONTH        0x08
#define CMOS_STATUS_A     0x0A
#define CMOS_STATUS_B     0x0B
#define CMOS_STATUS_D     0x0D
#define CMOS_CENTURY      0x32
#define CMOS_A_DIVIDER    0x26        /* 32.768 kHz time base, 1024 Hz rate; UIP (bit 7) clear */
#define CMOS_B_24H        0x02        /* 24-hour mode, BCD, no interrupts */
#define CMOS_D_VALID      0x80        /* "valid RAM and time" */

#define UART_THR          0
#define UART_IER          1
#define UART_IIR          2
#define UART_LCR          3
#define UART_MCR          4
#define UART_LSR          5
#define UART_MSR          6
#define UART_SCR          7
#define UART_LCR_DLAB     0x80
#define UART_IIR_NO_INT   0x01
#define UART_IIR_THRE     0x02        /* interrupt pending: transmitter holding register empty */
#define UART_IIR_RDA      0x04        /* interrupt pending: received data available */
#define UART_IER_RDI      VM_UART_IER_RDI
#define UART_IER_THRI     0x02
#define UART_LSR_DR       0x01        /* data ready */
#define UART_LSR_EMPTY    0x60        /* THRE | TEMT: ready, nothing pending */
#define UART_MSR_READY    0xB0        /* DCD | DSR | CTS */

#define FW_CFG_SIGNATURE  0x0000
#define FW_CFG_ID         0x0001
#define FW_CFG_NB_CPUS    0x0005
#define FW_CFG_ID_TRADITIONAL 1

/*
 * Emit one guest line with the [vmN] prefix, within the VM's output budget
 * (out_max bytes, prefix included; 0: none) and only if the console ring
 * takes it without waiting (kernel/console.c:console_write_guest). Anything
 * else is dropped and counted; vmm/report.c says how much at the VM's end.
 * Called under vm->lock, so a VM's lines keep their order.
 */
static void forward_line(struct vm *vm, struct uart_state *u)
{
	char buf[UART_LINE_MAX + 16];
	int n = cv_snprintf(buf, sizeof(buf), "[vm%u] %.*s\n", vm->id, (int)u->len, u->line);

	u->len = 0;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (!vm->out_over && vm->out_max && vm->out_bytes + (uint64_t)n > vm->out_max) {
		vm->out_over = true;
		kprintf("[hv] vm%u: console output budget of %lu bytes used up: the rest of its "
			"output is dropped (out_max=)\n", vm->id, vm->out_max);
	}
	if (vm->out_over || !console_write_guest(buf, (size_t)n)) {
		vm->out_dropped += (uint64_t)n;
		return;
	}
	vm->out_bytes += (uint64_t)n;
}

void vm_console_flush(struct vm *vm)
{
	if (vm->com1.len)
		forward_line(vm, &vm->com1);
	if (vm->debugcon.len)
		forward_line(vm, &vm->debugcon);
}

void vm_console_putc(struct vm *vm, struct uart_state *u, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		forward_line(vm, u);
		return;
	}
	/* Keep the log printable: control characters show as '.'. */
	u->line[u->len++] = (c >= 0x20 && c < 0x7F) || c == '\t' ? c : '.';
	if (u->len == UART_LINE_MAX)
		forward_line(vm, u);
}

static uint32_t com1_read(struct vm *vm, unsigned reg)
{
	struct uart_state *u = &vm->com1;
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:                  /* RBR: the oldest byte received, if any */
		if (dlab)
			return u->dll;
		if (!u->rx_len)
			return 0;
		{
			uint8_t c = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_RX_MAX;
			u->rx_len--;
			return c;
		}
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR:
		/* National PC16450 data sheet, "Interrupt Identification
		 * Register": received data outranks THRE and stays until RBR
		 * is read empty; reading IIR clears a THRE interrupt it reports. */
		if (dlab)
			return UART_IIR_NO_INT;
		if ((u->ier & UART_IER_RDI) && u->rx_len)
			return UART_IIR_RDA;
		if ((u->ier & UART_IER_THRI) && u->thre_pending) {
			u->thre_pending = false;
			return UART_IIR_THRE;
		}
		return UART_IIR_NO_INT;
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return UART_LSR_EMPTY | (u->rx_len ? UART_LSR_DR : 0);
	case UART_MSR: return UART_MSR_READY;
	case UART_SCR: return u->scratch;
	}
	return 0xFF;
}

static void com1_write(struct vm *vm, unsigned reg, uint8_t val)
{
	struct uart_state *u = &vm->com1;
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab) {
			u->dll = val;
			return;
		}
		vm_console_putc(vm, u, (char)val);
		u->thre_pending = true;     /* sent at once: the THR is empty again */
		return;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			return;
		}
		u->ier = val;
		u->thre_pending = true;     /* enabling THRI with an empty THR raises it */
		return;
	case UART_IIR:          /* FCR: FIFO control, nothing to model */
		return;
	case UART_LCR: u->lcr = val; return;
	case UART_MCR: u->mcr = val; return;
	case UART_SCR: u->scratch = val; return;
	}
	/* LSR and MSR are read-only: writes are dropped. */
}

void vm_console_input(struct vm *vm)
{
	struct uart_state *u = &vm->com1;

	/* Until its driver enables the received-data interrupt, what is typed
	 * waits in the host's UART (and what feeds it), not here. */
	if (!vm_console_reading(vm))
		return;
	spin_lock(&vm->lock);
	while (u->rx_len < UART_RX_MAX) {
		int c = console_getc();
		if (c < 0)
			break;
		u->rx[(u->rx_head + u->rx_len) % UART_RX_MAX] = (uint8_t)c;
		u->rx_len++;
		vm->console_in_bytes++;
	}
	spin_unlock(&vm->lock);
}

/* MC146818 registers (the register map of the PC's CMOS RTC). */
static uint8_t cmos_read(struct vm *vm)
{
	switch (vm->cmos_index & CMOS_INDEX_MASK) {
	case CMOS_DAY:
	case CMOS_MONTH:
		return 0x01;
	case CMOS_STATUS_A: return CMOS_A_DIVIDER;
	case CMOS_STATUS_B: return CMOS_B_24H;
	case CMOS_STATUS_D: return CMOS_D_VALID;
	case CMOS_CENTURY:  return 0x20;
	}
	return 0;
}

static uint32_t fw_cfg_read(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t off = vm->fw_cfg_offset++;

	switch (vm->fw_cfg_key) {
	case FW_CFG_SIGNATURE:
		return off < 4 ? (uint32_t)"QEMU"[off] : 0;
	case FW_CFG_ID:
		return off < 4 ? (FW_CFG_ID_TRADITIONAL >> (8 * off)) & 0xFF : 0;
	case FW_CFG_NB_CPUS:
		return off < 2 ? (vm->nvcpus >> (8 * off)) & 0xFF : 0;
	}
	return 0;   /* QEMU reads 0 for an absent key */
}

static void note_unhandled(struct vm *vm, uint16_t port, bool in, unsigned size, uint32_t val)
{
	vm->unhandled_io++;
	if (report_once_port(&vm->reported, port) != REPORT_ONCE_PRINT)
		return;
	if (in)
		kprintf("[hv] vm%u: %u-byte read of unemulated port %#x gives all-ones "
			"(reported once per port)\n", vm->id, size, port);
	else
		kprintf("[hv] vm%u: %u-byte write of %#x to unemulated port %#x dropped "
			"(reported once per port)\n", vm->id, size, val, port);
}

static uint32_t port_in(struct vcpu *v, uint16_t port, unsigned size)
{
	struct vm *vm = v->vm;

	if (port >= COM1_BASE && port <= COM1_LAST)
		return com1_read(vm, port - COM1_BASE);
	if (port == DEBUGCON_PORT)
		return DEBUGCON_PORT;
	if (port == FW_CFG_DATA)
		return fw_cfg_read(v);
	if (port == QEMU_PM1A_CNT || port == BOCHS_PM1A_CNT)
		return 0;
	if (port == ACPI_SLEEP_CTL_PORT || port == ACPI_SLEEP_STS_PORT || port == ACPI_RESET_PORT)
		return 0;
	if (port == CMOS_DATA)
		return cmos_read(vm);
	if (port == CMOS_INDEX)
		return vm->cmos_index;
	note_unhandled(vm, port, true, size, 0);
	return 0xFFFFFFFF;
}

static void port_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
	struct vm *vm = v->vm;

	if (port >= COM1_BASE && port <= COM1_LAST) {
		com1_write(vm, port - COM1_BASE, (uint8_t)val);
	} else if (port == DEBUGCON_PORT) {
		vm_console_putc(vm, &vm->debugcon, (char)val);
	} else if (port == DEBUG_EXIT_PORT) {
		vm->exit_status = (val << 1) | 1;
		vm_end(vm, VM_END_DEBUG_EXIT, "isa-debug-exit value %u", val);
	} else if (port == BOCHS_SHUTDOWN) {
		static const char word[] = "Shutdown";
		vm->shutdown_match = (char)val == word[vm->shutdown_match] ? vm->shutdown_match + 1
			: (char)val == word[0];
		if (vm->shutdown_match == sizeof(word) - 1) {
			/* Start over: later writes (another vCPU of the ended VM)
			 * must never index past the word's end. */
			vm->shutdown_match = 0;
			vm_end(vm, VM_END_SHUTDOWN, "\"Shutdown\" written to port 0x8900");
		}
	} else if ((port == QEMU_PM1A_CNT || port == BOCHS_PM1A_CNT) && size == 2) {
		if (val & PM1_CNT_SLP_EN)
			vm_end(vm, VM_END_SHUTDOWN, "ACPI soft-off (SLP_EN on port %#x)", port);
	} else if (port == CMOS_INDEX && size == 1) {
		vm->cmos_index = (uint8_t)val;
	} else if (port == CMOS_DATA && size == 1) {
		/* the clock is read-only: setting it is dropped */
	} else if (port == ACPI_SLEEP_CTL_PORT && size == 1) {
		unsigned typ = (val & ACPI_SLEEP_TYPE_MASK) >> ACPI_SLEEP_TYPE_SHIFT;
		if ((val & ACPI_SLEEP_ENABLE) && typ == ACPI_SLP_TYP_S5)
			vm_end(vm, VM_END_SHUTDOWN, "ACPI power-off (S5 on the sleep control "
			       "register, port %#x)", port);
		else if (val & ACPI_SLEEP_ENABLE)
			vm_end(vm, VM_END_SHUTDOWN, "ACPI sleep state SLP_TYP %u requested (port %#x): "
			       "only S5 exists, the VM ends", typ, port);
	} else if (port == ACPI_SLEEP_STS_PORT && size == 1) {
		/* write-1-to-clear status bits: nothing to clear */
	} else if (port == ACPI_RESET_PORT && size == 1) {
		if (val & RESET_CTL_RESET)
			vm_end(vm, VM_END_SHUTDOWN, "reboot (reset value %#x on port %#x): a VM "
			       "does not restart, it ends", val, port);
	} else if (port == FW_CFG_SELECTOR && size == 2) {
		vm->fw_cfg_key = (uint16_t)val;
		vm->fw_cfg_offset = 0;
	} else {
		note_unhandled(vm, port, false, size, val);
	}
}

void handle_io(struct vcpu *v)
{
	uint64_t q = vcpu_exit_qualification(v);
	uint16_t port = (uint16_t)(q >> IOQ_PORT_SHIFT);
	unsigned size = (q & IOQ_SIZE_MASK) + 1;

	if (q & IOQ_STRING) {
		vm_end(v->vm, VM_END_UNHANDLED_EXIT,
		       "string I/O (INS/OUTS) on port %#x at RIP %#lx is not emulated", port, v->rip);
		return;
	}
	spin_lock(&v->vm->lock);
	if (q & IOQ_IN) {
		uint32_t val = port_in(v, port, size);
		if (size == 4)
			v->regs.rax = val;                 /* 32-bit results zero-extend */
		else if (size == 2)
			v->regs.rax = (v->regs.rax & ~0xFFFFULL) | (val & 0xFFFF);
		else
			v->regs.rax = (v->regs.rax & ~0xFFULL) | (val & 0xFF);
	} else {
		uint32_t mask = size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
		port_out(v, port, size, (uint32_t)v->regs.rax & mask);
	}
	spin_unlock(&v->vm->lock);
	vcpu_skip_instruction(v);
}
