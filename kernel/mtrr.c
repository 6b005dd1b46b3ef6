/*
 * kernel/mtrr.c - read the host's MTRRs (SDM Vol. 3A, "Memory Type Range
 * Registers (MTRRs)": IA32_MTRRCAP gives the number of variable ranges (VCNT)
 * and whether fixed ranges exist (FIX); IA32_MTRR_DEF_TYPE enables them).
 *
 * Context: kernel, boot pCPU, once.
 */
#include "kernel/mtrr.h"
#include "kernel/arch.h"
#include "kernel/console.h"
#include "lib/msr.h"

#define MTRRCAP_VCNT        0xFFu
#define MTRRCAP_FIX         BIT(8)
#define DEF_TYPE_FE         BIT(10)
#define DEF_TYPE_E          BIT(11)
#define PHYSMASK_VALID      BIT(11)

static struct mtrr_set host_set;

const struct mtrr_set *host_mtrrs(void)
{
	return &host_set;
}

/* The 11 fixed-range MSRs in address order, 8 one-byte types each. */
static void read_fixed(struct mtrr_set *m)
{
	uint32_t msrs[11] = { MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX16K_80000,
			      MSR_IA32_MTRR_FIX16K_A0000 };

	for (unsigned i = 0; i < 8; i++)
		msrs[3 + i] = MSR_IA32_MTRR_FIX4K_C0000 + i;
	for (unsigned i = 0; i < 11; i++) {
		uint64_t v = rdmsr(msrs[i]);
		for (unsigned b = 0; b < 8; b++)
			m->fixed[i * 8 + b] = (uint8_t)(v >> (8 * b));
	}
}

static void print_summary(const struct mtrr_set *m)
{
	if (!m->present) {
		kprintf("[hv] mtrr: none (CPUID.1:EDX.MTRR = 0): guest memory mapped WB\n");
		return;
	}
	if (!m->enabled) {
		kprintf("[hv] mtrr: disabled by the firmware (IA32_MTRR_DEF_TYPE.E = 0): all memory UC, "
			"guest memory too\n");
		return;
	}
	kprintf("[hv] mtrr: default %s, fixed ranges %s, %u variable:", mtrr_type_name(m->def_type),
		m->fixed_enabled ? "on" : "off", m->nvar);
	uint64_t bits = ((1ULL << m->phys_bits) - 1) & ~0xFFFULL;
	unsigned shown = 0;
	for (unsigned i = 0; i < m->nvar; i++) {
		const struct mtrr_var *v = &m->var[i];
		if (!(v->mask & PHYSMASK_VALID))
			continue;
		uint64_t base = v->base & bits, size = (~(v->mask & bits) & bits) + 0x1000;
		kprintf(" %#llx+%#llx %s", (unsigned long long)base, (unsigned long long)size,
			mtrr_type_name((uint8_t)v->base));
		shown++;
	}
	kprintf("%s\n", shown ? "" : " none valid");
}

void mtrr_init(void)
{
	struct mtrr_set *m = &host_set;

	m->present = (cpuid(CPUID_LEAF_FEATURES, 0).edx & CPUID_1_EDX_MTRR) != 0;
	if (m->present) {
		uint64_t cap = rdmsr(MSR_IA32_MTRRCAP);
		uint64_t def = rdmsr(MSR_IA32_MTRR_DEF_TYPE);

		m->phys_bits = cpu_phys_addr_bits();
		m->enabled = (def & DEF_TYPE_E) != 0;
		m->fixed_enabled = (def & DEF_TYPE_FE) && (cap & MTRRCAP_FIX);
		m->def_type = (uint8_t)def;
		m->nvar = (unsigned)(cap & MTRRCAP_VCNT);
		if (m->nvar > MTRR_MAX_VAR)
			m->nvar = MTRR_MAX_VAR;
		for (unsigned i = 0; i < m->nvar; i++) {
			m->var[i].base = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
			m->var[i].mask = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1);
		}
		if (cap & MTRRCAP_FIX)
			read_fixed(m);
	}
	print_summary(m);
}
