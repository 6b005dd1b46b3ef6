/*
 * tests/fuzz/fuzz_pagewalk.c - libFuzzer target: the guest page walk
 * (vmm/loader/guest_mem.c: guest_page_walk, and guest_read_linear_upto with
 * the paging state read from a fake VMCS, as vmm/dev/mmio.c uses it).
 *
 * Input: byte 0 the paging controls (CR0.PG, CR4.PSE/PAE/LA57, EFER.LMA),
 * 8 bytes CR3, 4 x 8 bytes PDPTE0-3, 8 bytes the linear address, 1 byte the
 * length to read; the rest is guest RAM (guest-physical 0 up), a heap
 * buffer of exactly that size. Checks, besides ASan/UBSan: the read never
 * reports more than it was asked; a translation that succeeds for a 4 KiB
 * page lands where the same walk through guest_read_linear_upto read from.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/x86.h"
#include "lib/msr.h"
#include "tests/fuzz/fake_vmm.h"
#include "tests/fuzz/fuzz_stubs.h"
#include "vmm/core/vm.h"
#include "vmm/loader/guest_mem.h"
#include "vmx/vmcs.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_pagewalk: %s\n", what);
		abort();
	}
}

struct ram {
	const uint8_t *p;
	uint64_t size;
};

static int ram_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	const struct ram *r = ctx;
	uint64_t v = 0;

	check(size == 4 || size == 8, "entry read of odd size");
	if (gpa >= r->size || size > r->size - gpa)
		return -1;
	memcpy(&v, r->p + gpa, size);
	*value = v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	struct fuzz_in in = { data, size };
	unsigned ctl = (unsigned)fuzz_take(&in, 1);
	uint64_t cr3 = fuzz_take(&in, 8), pdpte[4], gla, gpa;
	size_t len;

	for (int i = 0; i < 4; i++)
		pdpte[i] = fuzz_take(&in, 8);
	gla = fuzz_take(&in, 8);
	len = (size_t)fuzz_take(&in, 1);

	uint8_t *mem = malloc(in.left ? in.left : 1);
	memcpy(mem, in.p, in.left);
	struct ram ram = { mem, in.left };

	/* 1: the walk alone, every mode */
	struct guest_paging_state s = {
		.mode = (enum guest_paging)(ctl & 3), .cr3 = cr3, .pse = ctl & 4,
		.read = ram_read, .ctx = &ram,
	};
	memcpy(s.pdpte, pdpte, sizeof(pdpte));
	(void)guest_page_walk(&s, gla, &gpa);

	/* 2: through the VMCS, as the MMIO path reads the faulting instruction */
	fake_percpu_init();
	fake_vmcs_clear();
	fake_vmcs_set(GUEST_CR0, (ctl & 8) ? CR0_PG | CR0_PE : CR0_PE);
	fake_vmcs_set(GUEST_CR4, ((ctl & 4) ? CR4_PSE : 0) | ((ctl & 16) ? CR4_PAE : 0) |
		      ((ctl & 32) ? CR4_LA57 : 0));
	fake_vmcs_set(GUEST_IA32_EFER, (ctl & 64) ? EFER_LMA | EFER_LME : 0);
	fake_vmcs_set(GUEST_CR3, cr3);
	fake_vmcs_set(GUEST_PDPTR0, pdpte[0]);
	fake_vmcs_set(GUEST_PDPTR1, pdpte[1]);
	fake_vmcs_set(GUEST_PDPTR2, pdpte[2]);
	fake_vmcs_set(GUEST_PDPTR3, pdpte[3]);
	memset(&vm, 0, sizeof(vm));
	vm.ram = mem;
	vm.ram_size = in.left;
	vm.nvcpus = 1;
	vm.vcpus[0].vm = &vm;

	uint8_t *buf = malloc(len ? len : 1);
	size_t got = guest_read_linear_upto(&vm.vcpus[0], gla, buf, len);
	check(got <= len, "read more than asked");
	check((guest_read_linear(&vm.vcpus[0], gla, buf, len) == 0) == (got == len),
	      "guest_read_linear disagrees with guest_read_linear_upto");
	free(buf);
	free(mem);
	return 0;
}
