/*
 * kernel/paging.c - the host's final identity map and its protections
 * (kernel/paging.h; docs/design.md, "Host memory map").
 *
 * Context: kernel. paging_init() runs once on the boot CPU with interrupts
 * off, before any AP exists; paging_cpu_init() on each AP at bring-up;
 * paging_set_exec() on the boot CPU around the AP start-up. Formats: SDM
 * Vol. 3A, "4-Level Paging and 5-Level Paging" (the entry formats) and
 * "Access Rights" (R/W with CR0.WP, XD with EFER.NXE, SMEP, SMAP).
 *
 * The tables are .bss: a PML4, one PDPT, four page directories (4 GiB in
 * 2 MiB pages) and page tables for the first PAGING_IMAGE_LIMIT bytes in
 * 4 KiB pages. A non-leaf entry grants everything (P, R/W, no XD); the
 * leaf alone decides, so changing one page is one store and one INVLPG.
 * No entry sets U/S: the host view has no user page, so SMEP and SMAP only
 * forbid what the host never does. Above 4 GiB only what paging_map_mmio
 * adds (a framebuffer) is mapped; pt_map_identity_2m, which adds it, is
 * plain C and host-tested.
 */
#include "kernel/paging.h"
#include "lib/string.h"

#define PT_ENTRIES       512
#define PML4_SHIFT      39
#define PDPT_SHIFT      30
#define PD_SHIFT        21
#define PT_POOL_PAGES   4       /* a PDPT and PDs: framebuffers of up to 2 GiB, anywhere */

/* The table an entry points to, allocating it when the entry is empty. */
static uint64_t *next_table(uint64_t *entry, struct pt_pool *pool)
{
	if (*entry & PT_PRESENT)
		return (uint64_t *)(uintptr_t)(*entry & PT_ADDR_MASK);
	if (pool->used >= pool->npages)
		return NULL;
	uint64_t *t = pool->pages + (size_t)pool->used++ * PT_ENTRIES;

	memset(t, 0, PT_ENTRIES * sizeof(*t));
	*entry = (uint64_t)(uintptr_t)t | PT_PRESENT | PT_WRITE;
	return t;
}

int pt_map_identity_2m(uint64_t *pml4, uint64_t base, uint64_t len, uint64_t flags,
		       struct pt_pool *pool)
{
	if (len == 0 || len > UINT64_MAX - base || base + len > PT_CANONICAL_TOP)
		return -1;
	for (uint64_t a = ALIGN_DOWN(base, PT_LARGE_2M); a < base + len; a += PT_LARGE_2M) {
		uint64_t *pdpte = &pml4[(a >> PML4_SHIFT) % PT_ENTRIES];
		uint64_t *pdpt = next_table(pdpte, pool);

		if (!pdpt)
			return -1;
		uint64_t *pde_parent = &pdpt[(a >> PDPT_SHIFT) % PT_ENTRIES];
		if ((*pde_parent & PT_PRESENT) && (*pde_parent & PT_PS))
			continue;               /* inside a 1 GiB page already */
		uint64_t *pd = next_table(pde_parent, pool);

		if (!pd)
			return -1;
		uint64_t *pde = &pd[(a >> PD_SHIFT) % PT_ENTRIES];
		if (*pde & PT_PRESENT) {
			if (!(*pde & PT_PS))
				return -1;      /* a 4 KiB table: not ours to change */
			continue;
		}
		*pde = a | PT_PRESENT | PT_WRITE | PT_PS | flags;
	}
	return 0;
}

#ifndef CV_HOST_TEST
#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/stacks.h"
#include "lib/msr.h"

#define PTE_P            BIT(0)
#define PTE_RW           BIT(1)
#define PTE_PS           BIT(7)        /* 2 MiB page in a page-directory entry */
#define PTE_XD           BIT(63)       /* execute-disable (needs EFER.NXE) */
#define PTE_ADDR_MASK    0x000FFFFFFFFFF000ULL
#define LARGE_PAGE       (2 * MiB)
#define MAPPED_LIMIT     (4 * GiB)
#define NUM_PDS          (MAPPED_LIMIT / GiB)
#define NUM_PTS          (PAGING_IMAGE_LIMIT / LARGE_PAGE)

static uint64_t pml4[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pdpt[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pd[NUM_PDS][PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pt[NUM_PTS][PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

extern char __image_start[], __image_end[];     /* linker.ld */
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];

/* What the boot CPU turned on; the APs must match it. */
static struct {
	bool nx, smep, smap;
} cpu_has;
static uint32_t ap_mismatch[MAX_CPUS];    /* per AP: the protection bits it lacks */
static bool tables_live;                  /* CR3 points at pml4 */

#define PROT_NXE   BIT(0)
#define PROT_WP    BIT(1)
#define PROT_SMEP  BIT(2)
#define PROT_SMAP  BIT(3)

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static bool in(uint64_t a, const char *start, const char *end)
{
	return a >= addr_of(start) && a < addr_of(end);
}

/* The leaf rights of the 4 KiB page at pa inside the image-table range. */
static uint64_t small_page_flags(uint64_t pa, uint64_t xd)
{
	if (in(pa, __text_start, __text_end))
		return PTE_P;                    /* read + execute */
	if (in(pa, __rodata_start, __rodata_end))
		return PTE_P | xd;               /* read only */
	return PTE_P | PTE_RW | xd;          /* data, bss, stacks, low MiB, RAM */
}

static uint64_t *pte_of(uint64_t va)
{
	assert(va < PAGING_IMAGE_LIMIT);
	return &pt[va / LARGE_PAGE][(va % LARGE_PAGE) / PAGE_SIZE];
}

static uint32_t prot_now(void)
{
	uint32_t p = 0;
	if (rdmsr(MSR_IA32_EFER) & EFER_NXE)
		p |= PROT_NXE;
	if (read_cr0() & CR0_WP)
		p |= PROT_WP;
	if (read_cr4() & CR4_SMEP)
		p |= PROT_SMEP;
	if (read_cr4() & CR4_SMAP)
		p |= PROT_SMAP;
	return p;
}

static uint32_t prot_wanted(void)
{
	return (cpu_has.nx ? PROT_NXE : 0) | PROT_WP | (cpu_has.smep ? PROT_SMEP : 0) |
	       (cpu_has.smap ? PROT_SMAP : 0);
}

/* CR0.WP, and SMEP/SMAP where this CPU has them (CPUID.(EAX=7,ECX=0):EBX). */
static void protections_on(void)
{
	uint32_t ebx7 = cpuid(0, 0).eax >= CPUID_LEAF_EXT_FEATURES
		? cpuid(CPUID_LEAF_EXT_FEATURES, 0).ebx : 0;
	uint64_t cr4 = read_cr4();

	write_cr0(read_cr0() | CR0_WP);
	if (cpu_has.smep && (ebx7 & CPUID_7_EBX_SMEP))
		cr4 |= CR4_SMEP;
	if (cpu_has.smap && (ebx7 & CPUID_7_EBX_SMAP))
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
}

static void build_tables(void)
{
	uint64_t xd = cpu_has.nx ? PTE_XD : 0;

	pml4[0] = addr_of(pdpt) | PTE_P | PTE_RW;
	for (unsigned i = 0; i < NUM_PDS; i++)
		pdpt[i] = addr_of(pd[i]) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < MAPPED_LIMIT / LARGE_PAGE; i++) {
		uint64_t *pde = &pd[i / PT_ENTRIES][i % PT_ENTRIES];
		if (i < NUM_PTS)
			*pde = addr_of(pt[i]) | PTE_P | PTE_RW;
		else
			*pde = i * LARGE_PAGE | PTE_P | PTE_RW | PTE_PS | xd;
	}
	for (uint64_t pa = 0; pa < PAGING_IMAGE_LIMIT; pa += PAGE_SIZE)
		*pte_of(pa) = pa | small_page_flags(pa, xd);
	for (unsigned i = 0; i < stack_guard_count(); i++)
		*pte_of(stack_guard_page(i)) = 0;
}

void paging_init(void)
{
	uint32_t ebx7 = 0;
	if (cpuid(0, 0).eax >= CPUID_LEAF_EXT_FEATURES)
		ebx7 = cpuid(CPUID_LEAF_EXT_FEATURES, 0).ebx;
	cpu_has.nx = cpuid(CPUID_LEAF_EXT_MAX, 0).eax >= CPUID_LEAF_EXT_INFO &&
		     (cpuid(CPUID_LEAF_EXT_INFO, 0).edx & CPUID_80000001_EDX_NX);
	cpu_has.smep = ebx7 & CPUID_7_EBX_SMEP;
	cpu_has.smap = ebx7 & CPUID_7_EBX_SMAP;

	/* EFER.NXE before the tables that use XD: without it bit 63 is a
	 * reserved bit, and the first access through it faults. */
	if (cpu_has.nx)
		wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
	build_tables();
	write_cr3(addr_of(pml4));
	tables_live = true;
	protections_on();

	kprintf("[hv] hostmem: image %#lx-%#lx in 4 KiB pages: text %#lx-%#lx RX, rodata %#lx-%#lx R, "
		"data+bss %#lx-%#lx RW NX, %u stack guard pages not present\n",
		addr_of(__image_start), addr_of(__image_end), addr_of(__text_start),
		addr_of(__text_end), addr_of(__rodata_start), addr_of(__rodata_end),
		addr_of(__rodata_end), addr_of(__image_end), stack_guard_count());
	kprintf("[hv] hostmem: the rest of 0-4 GiB (guest RAM, VMX structures, firmware, MMIO) RW NX\n");
	uint32_t p = prot_now();
	kprintf("[hv] hostmem: pcpu 0: EFER.NXE=%d CR0.WP=%d CR4.SMEP=%d CR4.SMAP=%d "
		"(CPU has NX %d, SMEP %d, SMAP %d)\n", !!(p & PROT_NXE), !!(p & PROT_WP),
		!!(p & PROT_SMEP), !!(p & PROT_SMAP), cpu_has.nx, cpu_has.smep, cpu_has.smap);
	if (p != prot_wanted())
		panic("hostmem: protections %#x on pcpu 0, wanted %#x", p, prot_wanted());
}

void paging_cpu_init(uint32_t cpu)
{
	/* NXE and CR3 came from the trampoline (the boot CPU's EFER bits). */
	protections_on();
	ap_mismatch[cpu] = prot_wanted() & ~prot_now();
}

void paging_report_cpus(uint32_t ncpus)
{
	uint32_t bad = 0;

	for (uint32_t i = 1; i < ncpus; i++) {
		uint32_t m = ap_mismatch[i];
		if (!m)
			continue;
		bad++;
		kprintf("[hv] hostmem: error: pcpu %u lacks%s%s%s%s\n", i,
			m & PROT_NXE ? " EFER.NXE" : "", m & PROT_WP ? " CR0.WP" : "",
			m & PROT_SMEP ? " CR4.SMEP" : "", m & PROT_SMAP ? " CR4.SMAP" : "");
	}
	if (ncpus == 2 && !bad)
		kprintf("[hv] hostmem: pcpu 1: the same protections as pcpu 0\n");
	else if (ncpus > 2 && !bad)
		kprintf("[hv] hostmem: pcpus 1-%u: the same protections as pcpu 0\n", ncpus - 1);
}

uint64_t paging_root(void)
{
	return addr_of(pml4);
}

void paging_set_exec(uint64_t pa, bool exec)
{
	assert(pa < addr_of(__image_start) && IS_ALIGNED(pa, PAGE_SIZE));
	uint64_t *pte = pte_of(pa);
	if (exec || !cpu_has.nx)
		*pte &= ~PTE_XD;
	else
		*pte |= PTE_XD;
	__asm__ volatile("invlpg (%0)" ::"r"(pa) : "memory");
}

bool paging_is_mapped(uint64_t va)
{
	if (va >= MAPPED_LIMIT)
		return false;
	if (!tables_live)
		return true;              /* the boot map: all of 0..4 GiB */
	if (va < PAGING_IMAGE_LIMIT)
		return *pte_of(va) & PTE_P;
	return pd[va / GiB][(va % GiB) / LARGE_PAGE] & PTE_P;
}

static uint64_t pool_pages[PT_POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));
static struct pt_pool pool = { .pages = pool_pages, .npages = PT_POOL_PAGES };

bool paging_map_mmio(uint64_t base, uint64_t len)
{
	int rc = pt_map_identity_2m(pml4, base, len, PT_PCD | PT_XD, &pool);

	write_cr3(read_cr3());  /* drop any cached paging-structure entries */
	return rc == 0;
}
#endif
