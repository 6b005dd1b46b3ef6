/*
 * tests/unit/test_guest_boot.c - host unit tests for vmm/loader/guest_boot.c.
 *
 * Context: Linux host, cmocka, built with ASan/UBSan by `make unit`.
 * The result is read back as a guest would, with the byte offsets of the
 * Multiboot Specification 0.6.96 "Boot information format" (not with our own
 * structs), and every range it names is checked: inside RAM, inside a type-1
 * entry of the memory map it reports, clear of the image and of every other
 * range. Then kernel/multiboot.c's mb_parse, the hypervisor's own checked parser,
 * must accept it too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/loader/guest_boot.h"
#include "kernel/multiboot.h"

#define RAM_SIZE      (64ULL << 20)
#define POISON        0xAA
#define ERR_MAX       256
#define MAX_RANGES    (8 + 2 * GUEST_BOOT_MAX_MODULES)

static uint8_t *ram;
static uint64_t ram_size;
static char err[ERR_MAX];

struct range {
	uint64_t base, len;
	const char *what;
};

/* What the test learned from reading the info back. */
struct parsed {
	uint32_t flags, mem_lower, mem_upper, mods_count;
	const char *cmdline, *loader;
	uint64_t mmap_base[8], mmap_len[8];
	uint32_t mmap_type[8], nmmap;
	struct range r[MAX_RANGES];
	unsigned nr;
};

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	if (gpa > ram_size || ram_size - gpa < 4)
		fail_msg("read of 0x%llx outside RAM", (unsigned long long)gpa);
	memcpy(&v, ram + gpa, 4);
	return v;
}

static uint64_t rd64(uint64_t gpa)
{
	return rd32(gpa) | (uint64_t)rd32(gpa + 4) << 32;
}

static void add_range(struct parsed *p, uint64_t base, uint64_t len, const char *what)
{
	assert_true(p->nr < MAX_RANGES);
	p->r[p->nr++] = (struct range){ base, len, what };
}

/* A NUL-terminated string inside RAM at gpa; records its range. */
static const char *string_at(struct parsed *p, uint32_t gpa, const char *what)
{
	const void *nul;

	assert_true(gpa != 0 && gpa < ram_size);
	nul = memchr(ram + gpa, 0, ram_size - gpa);
	if (!nul)
		fail_msg("%s at 0x%x is not NUL-terminated inside RAM", what, gpa);
	add_range(p, gpa, (uint64_t)((const uint8_t *)nul - (ram + gpa)) + 1, what);
	return (const char *)ram + gpa;
}

/* Read the info at mbi with the spec's offsets. */
static void parse(uint32_t mbi, struct parsed *p)
{
	uint32_t mmap_addr, mmap_len, off, mods;

	memset(p, 0, sizeof(*p));
	add_range(p, mbi, 88, "info");
	p->flags = rd32(mbi + 0);
	p->mem_lower = rd32(mbi + 4);
	p->mem_upper = rd32(mbi + 8);
	p->cmdline = string_at(p, rd32(mbi + 16), "cmdline");
	p->mods_count = rd32(mbi + 20);
	mods = rd32(mbi + 24);
	mmap_len = rd32(mbi + 44);
	mmap_addr = rd32(mbi + 48);
	p->loader = string_at(p, rd32(mbi + 64), "loader name");
	add_range(p, mmap_addr, mmap_len, "mmap");
	for (off = 0; off < mmap_len; off += rd32(mmap_addr + off) + 4) {
		assert_true(p->nmmap < 8);
		assert_int_equal(rd32(mmap_addr + off), 20);
		p->mmap_base[p->nmmap] = rd64(mmap_addr + off + 4);
		p->mmap_len[p->nmmap] = rd64(mmap_addr + off + 12);
		p->mmap_type[p->nmmap] = rd32(mmap_addr + off + 20);
		p->nmmap++;
	}
	assert_int_equal(off, mmap_len);
	if (p->mods_count)
		add_range(p, mods, 16ULL * p->mods_count, "module list");
	for (uint32_t i = 0; i < p->mods_count && i < GUEST_BOOT_MAX_MODULES; i++) {
		uint32_t start = rd32(mods + 16 * i), end = rd32(mods + 16 * i + 4);

		assert_true(start <= end);
		assert_int_equal(start % 4096, 0);
		string_at(p, rd32(mods + 16 * i + 8), "module string");
		assert_int_equal(rd32(mods + 16 * i + 12), 0);
		add_range(p, start, end - start ? end - start : 1, "module");
	}
}

/* Does [base, base + len) lie inside one type-1 entry of the parsed map? */
static bool in_type1(const struct parsed *p, uint64_t base, uint64_t len)
{
	for (uint32_t i = 0; i < p->nmmap; i++)
		if (p->mmap_type[i] == 1 && base >= p->mmap_base[i] &&
		    base + len <= p->mmap_base[i] + p->mmap_len[i])
			return true;
	return false;
}

/* Every check that holds for any successful build. */
static void check_common(uint32_t mbi, uint64_t img_lo, uint64_t img_hi,
			 const char *cmdline, const struct guest_module_src *mods,
			 unsigned nmods, struct parsed *p)
{
	static const uint64_t want_map[4][3] = {
		{ 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0xF0000, 0x10000, 2 },
		{ 0x100000, 0, 1 },
	};
	uint32_t mods_addr = rd32(mbi + 24);

	parse(mbi, p);
	assert_int_equal(p->flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	assert_int_equal(p->mem_lower, 639);
	assert_int_equal(p->mem_upper, (ram_size - 0x100000) / 1024);
	assert_string_equal(p->loader, "chronovisor");
	assert_string_equal(p->cmdline, cmdline ? cmdline : "");
	assert_int_equal(p->nmmap, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(p->mmap_base[i], want_map[i][0]);
		assert_int_equal(p->mmap_len[i], i == 3 ? ram_size - 0x100000 : want_map[i][1]);
		assert_int_equal(p->mmap_type[i], want_map[i][2]);
	}
	assert_int_equal(p->mods_count, nmods);
	for (unsigned i = 0; i < nmods; i++) {
		uint32_t start = rd32(mods_addr + 16 * i), end = rd32(mods_addr + 16 * i + 4);
		const char *s = (const char *)ram + rd32(mods_addr + 16 * i + 8);

		assert_int_equal(end - start, mods[i].len);
		if (mods[i].len)
			assert_memory_equal(ram + start, mods[i].data, mods[i].len);
		assert_string_equal(s, mods[i].cmdline ? mods[i].cmdline : "");
	}
	for (unsigned i = 0; i < p->nr; i++) {
		const struct range *a = &p->r[i];

		if (a->base < 0x1000)
			fail_msg("%s at 0x%llx is in page 0", a->what,
				 (unsigned long long)a->base);
		if (!in_type1(p, a->base, a->len))
			fail_msg("%s [0x%llx, +0x%llx) is not in type-1 RAM", a->what,
				 (unsigned long long)a->base, (unsigned long long)a->len);
		if (a->base < img_hi && img_lo < a->base + a->len)
			fail_msg("%s at 0x%llx overlaps the image", a->what,
				 (unsigned long long)a->base);
		for (unsigned j = 0; j < i; j++) {
			const struct range *b = &p->r[j];

			if (a->base < b->base + b->len && b->base < a->base + a->len)
				fail_msg("%s [0x%llx, +0x%llx) overlaps %s [0x%llx, +0x%llx)",
					 a->what, (unsigned long long)a->base,
					 (unsigned long long)a->len, b->what,
					 (unsigned long long)b->base, (unsigned long long)b->len);
		}
	}

	/*
	 * The hypervisor's own checked parser agrees, within its stricter policy:
	 * it refuses empty modules and strings of MB_CMDLINE_MAX bytes or more.
	 */
	struct phys_view pv = { (uintptr_t)ram, ram_size };
	static struct boot_info bi;
	char perr[ERR_MAX];

	if (cmdline && strlen(cmdline) >= MB_CMDLINE_MAX)
		return;
	for (unsigned i = 0; i < nmods; i++)
		if (mods[i].len == 0)
			return;
	if (mb_parse(&pv, MB_BOOTLOADER_MAGIC, mbi, &bi, perr, sizeof(perr)) != 0)
		fail_msg("mb_parse refuses the guest's info: %s", perr);
	assert_int_equal(bi.nmodules, nmods);
	assert_string_equal(bi.loader_name, "chronovisor");
}

static struct guest_image image(uint64_t lo, uint64_t hi)
{
	struct guest_image im = { .entry = lo, .lowest = lo, .highest = hi, .nsegments = 1 };

	im.segments[0].gpa = lo;
	im.segments[0].memsz = hi - lo;
	return im;
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 9));
}

static int setup(void **state)
{
	ram_size = RAM_SIZE;
	ram = malloc(ram_size);
	assert_non_null(ram);
	memset(ram, POISON, ram_size);
	err[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static void assert_ram_untouched(void)
{
	static uint8_t poison[4096];

	memset(poison, POISON, sizeof(poison));
	for (uint64_t a = 0; a < ram_size; a += sizeof(poison))
		if (memcmp(ram + a, poison, MIN(sizeof(poison), ram_size - a)) != 0)
			fail_msg("RAM page 0x%llx written by a refused build",
				 (unsigned long long)a);
}

/* ---- builds that succeed ---- */

static void test_image_at_1mib_two_modules(void **state)
{
	static uint8_t env[5000], initrd[3 * 4096];
	struct guest_module_src mods[2] = {
		{ env, sizeof(env), "env.txt verbose=1" },
		{ initrd, sizeof(initrd), "initrd" },
	};
	struct guest_image img = image(0x100000, 0x123456);
	struct parsed p;
	uint32_t mbi = 0;

	fill(env, sizeof(env), 1);
	fill(initrd, sizeof(initrd), 2);
	assert_int_equal(guest_boot_build(ram, ram_size, &img, "hello.elf tsc=1 x", mods, 2,
					  &mbi, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	check_common(mbi, img.lowest, img.highest, "hello.elf tsc=1 x", mods, 2, &p);
	/* Small structures in low memory, modules after the image. */
	assert_true(mbi >= 0x1000 && mbi < 0x9FC00);
	assert_int_equal(rd32(rd32(mbi + 24)), 0x124000);
	assert_int_equal(rd32(rd32(mbi + 24) + 16), 0x126000);
	/* The image itself was not touched. */
	for (uint64_t a = img.lowest; a < img.highest; a++)
		assert_int_equal(ram[a], POISON);
}

static void test_no_modules_null_cmdline(void **state)
{
	struct guest_image img = image(0x100000, 0x101000);
	struct parsed p;
	uint32_t mbi;

	assert_int_equal(guest_boot_build(ram, ram_size, &img, NULL, NULL, 0, &mbi, err,
					  sizeof(err)), 0);
	check_common(mbi, img.lowest, img.highest, NULL, NULL, 0, &p);
	assert_int_equal(p.mods_count, 0);
}

/* An empty module and a module without a command line. */
static void test_empty_module_and_null_string(void **state)
{
	static uint8_t one = 0x42;
	struct guest_module_src mods[3] = {
		{ NULL, 0, "empty" }, { &one, 1, NULL }, { NULL, 0, NULL },
	};
	struct guest_image img = image(0x100000, 0x101000);
	struct parsed p;
	uint32_t mbi;

	assert_int_equal(guest_boot_build(ram, ram_size, &img, "k", mods, 3, &mbi, err,
					  sizeof(err)), 0);
	check_common(mbi, img.lowest, img.highest, "k", mods, 3, &p);
}

/* The image fills low memory: the small structures go above 1 MiB. */
static void test_image_in_low_memory(void **state)
{
	static uint8_t mod[100];
	struct guest_module_src mods[1] = { { mod, sizeof(mod), "m" } };
	struct guest_image img = image(0x800, 0x9F800);
	struct parsed p;
	uint32_t mbi;

	fill(mod, sizeof(mod), 3);
	assert_int_equal(guest_boot_build(ram, ram_size, &img, "low", mods, 1, &mbi, err,
					  sizeof(err)), 0);
	check_common(mbi, img.lowest, img.highest, "low", mods, 1, &p);
	assert_true(mbi >= 0x100000);
}

/* The image fills high memory: modules go before it (in low memory). */
static void test_image_fills_high_memory(void **state)
{
	static uint8_t mod[0x20000];
	struct guest_module_src mods[2] = { { mod, sizeof(mod), "a" }, { mod, 0x100, "b" } };
	struct guest_image img = image(0x100000, RAM_SIZE);
	struct parsed p;
	uint32_t mbi;

	fill(mod, sizeof(mod), 4);
	assert_int_equal(guest_boot_build(ram, ram_size, &img, "hi", mods, 2, &mbi, err,
					  sizeof(err)), 0);
	check_common(mbi, img.lowest, img.highest, "hi", mods, 2, &p);
}

/* The image sits high: a module too big for the room above goes below it. */
static void test_module_goes_below_image(void **state)
{
	static uint8_t mod[0x200000];
	struct guest_module_src mods[1] = { { mod, sizeof(mod), "big" } };
	struct guest_image img = image(RAM_SIZE - 0x300000, RAM_SIZE - 0x180000);
	struct parsed p;
	uint32_t mbi;

	fill(mod, sizeof(mod), 5);
	assert_int_equal(guest_boot_build(ram, ram_size, &img, "x", mods, 1, &mbi, err,
					  sizeof(err)), 0);
	check_common(mbi, img.lowest, img.highest, "x", mods, 1, &p);
	assert_true(rd32(rd32(mbi + 24)) < img.lowest);
}

/* The smallest RAM allowed; and the largest string allowed. */
static void test_minimum_ram_and_long_cmdline(void **state)
{
	static char cmd[GUEST_BOOT_STRING_MAX];
	struct guest_image img = image(0x100000, 0x180000);
	struct parsed p;
	uint32_t mbi;

	memset(cmd, 'c', sizeof(cmd) - 1);
	ram_size = GUEST_BOOT_MIN_RAM;
	assert_int_equal(guest_boot_build(ram, ram_size, &img, cmd, NULL, 0, &mbi, err,
					  sizeof(err)), 0);
	check_common(mbi, img.lowest, img.highest, cmd, NULL, 0, &p);
}

/* ---- refusals: a message, and RAM untouched ---- */

static void expect_refused(const struct guest_image *img, const char *cmdline,
			   const struct guest_module_src *mods, unsigned nmods,
			   const char *frag)
{
	uint32_t mbi = 0x12345678;

	assert_int_equal(guest_boot_build(ram, ram_size, img, cmdline, mods, nmods, &mbi,
					  err, sizeof(err)), -1);
	if (!strstr(err, frag))
		fail_msg("message lacks \"%s\": \"%s\"", frag, err);
	assert_int_equal(mbi, 0x12345678);
	assert_ram_untouched();
}

static void test_modules_do_not_fit(void **state)
{
	static uint8_t big[0x400000];
	struct guest_module_src mods[3] = {
		{ big, 0x100, "small" }, { big, sizeof(big), "fits" }, { big, sizeof(big), "nope" },
	};
	struct guest_image img = image(0x100000, 0x100000 + 0x3000000);

	ram_size = 0x3000000 + 0x100000 + 0x500000;     /* room for one 4 MiB module */
	expect_refused(&img, "k", mods, 3, "module 2 (\"nope\", 0x400000 bytes) does not fit");
	mods[0].len = UINT64_MAX;                        /* absurd length: refused, no wrap */
	expect_refused(&img, "k", mods, 1, "module 0");
}

static void test_bad_arguments(void **state)
{
	static char cmd[GUEST_BOOT_STRING_MAX + 1];
	static uint8_t b[16];
	struct guest_module_src mods[GUEST_BOOT_MAX_MODULES + 1];
	struct guest_image img = image(0x100000, 0x101000);
	struct guest_image outside = image(0x100000, RAM_SIZE + 1);

	for (unsigned i = 0; i < ARRAY_SIZE(mods); i++)
		mods[i] = (struct guest_module_src){ b, sizeof(b), "m" };
	expect_refused(&img, "k", mods, GUEST_BOOT_MAX_MODULES + 1, "17 modules, at most 16");
	memset(cmd, 'c', sizeof(cmd) - 1);
	expect_refused(&img, cmd, NULL, 0, "command line longer than 4095 bytes");
	mods[1].cmdline = cmd;
	expect_refused(&img, "k", mods, 2, "module 1 command line longer");
	mods[1] = (struct guest_module_src){ NULL, 5, "m" };
	expect_refused(&img, "k", mods, 2, "module 1 has no data");
	expect_refused(&outside, "k", NULL, 0, "is not inside the guest's");
	ram_size = GUEST_BOOT_MIN_RAM - 1;
	expect_refused(&img, "k", NULL, 0, "below the minimum of 2 MiB");
}

/* The image covers all usable RAM: nowhere for the info. */
static void test_no_room_for_info(void **state)
{
	struct guest_image img = image(0, RAM_SIZE);

	expect_refused(&img, "k", NULL, 0, "no room for the");
}

/* Random images and module sets: a build either passes every check or is
 * refused with RAM untouched. */
static uint64_t lcg_state = 12345;

static uint64_t next_random(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return lcg_state >> 33;
}

static void test_random_layouts(void **state)
{
	static uint8_t data[0x100000];
	unsigned ok = 0, refused = 0;

	fill(data, sizeof(data), 9);
	ram_size = 8 << 20;
	for (int it = 0; it < 300; it++) {
		struct guest_module_src mods[GUEST_BOOT_MAX_MODULES];
		struct guest_image img;
		struct parsed p;
		uint64_t lo, hi;
		unsigned n;
		uint32_t mbi;
		int rc;

		lo = next_random() % ram_size;
		hi = lo + next_random() % (ram_size - lo + 1);
		img = image(lo, hi);
		n = (unsigned)(next_random() % (GUEST_BOOT_MAX_MODULES + 1));
		for (unsigned i = 0; i < n; i++) {
			uint64_t max = next_random() % 4 ? 0x10000 : sizeof(data);

			mods[i] = (struct guest_module_src){ data, next_random() % max, "mod arg" };
		}
		memset(ram, POISON, ram_size);
		rc = guest_boot_build(ram, ram_size, &img, "rand", mods, n, &mbi, err,
				      sizeof(err));
		if (rc == 0) {
			ok++;
			check_common(mbi, lo, hi, "rand", mods, n, &p);
		} else {
			refused++;
			assert_ram_untouched();
		}
	}
	print_message("random layouts: %u built, %u refused\n", ok, refused);
	assert_true(ok > 100);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_image_at_1mib_two_modules),
		T(test_no_modules_null_cmdline),
		T(test_empty_module_and_null_string),
		T(test_image_in_low_memory),
		T(test_image_fills_high_memory),
		T(test_module_goes_below_image),
		T(test_minimum_ram_and_long_cmdline),
		T(test_modules_do_not_fit),
		T(test_bad_arguments),
		T(test_no_room_for_info),
		T(test_random_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
