/*
 * tests/unit/test_linux_boot.c - host unit tests for vmm/loader/linux_boot.c.
 *
 * Context: Linux host, cmocka, ASan/UBSan (make unit). The images are built
 * here byte by byte from the boot protocol's header layout (Linux's
 * Documentation/arch/x86/boot.rst), shaped like a 64-bit distribution
 * kernel's: protocol 2.15, relocatable, 2 MiB alignment, preferred address
 * 16 MiB. Every refusal leaves guest RAM untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/loader/linux_boot.h"

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

#define SETUP_SECTS   4
#define PM_OFF        ((SETUP_SECTS + 1) * 512)
#define PM_LEN        (64 * 1024)
#define FILE_LEN      (PM_OFF + PM_LEN)
#define RAM_SIZE      (64 * MiB)
#define SENTINEL      0x5A

static uint8_t *file;
static uint8_t *ram;
static char err[256];

static void put16(size_t o, uint16_t v) { memcpy(file + o, &v, 2); }
static void put32(size_t o, uint32_t v) { memcpy(file + o, &v, 4); }
static void put64(size_t o, uint64_t v) { memcpy(file + o, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void make_image(void)
{
	memset(file, 0, FILE_LEN);
	for (size_t i = PM_OFF; i < FILE_LEN; i++)
		file[i] = (uint8_t)(i * 7 + 3);          /* recognisable kernel bytes */
	file[LH_SETUP_SECTS] = SETUP_SECTS;
	put32(LH_SYSSIZE, PM_LEN / 16);
	put16(LH_BOOT_FLAG, LINUX_BOOT_FLAG);
	file[LH_JUMP] = 0xEB;
	file[LH_JUMP + 1] = 0x6A;                        /* header ends at 0x26C */
	put32(LH_HEADER, LINUX_HDRS_MAGIC);
	put16(LH_VERSION, 0x020F);
	file[LH_LOADFLAGS] = LINUX_LOADED_HIGH | 0x80;
	put32(LH_CODE32_START, 0x100000);
	put32(LH_INITRD_ADDR_MAX, 0x7FFFFFFF);
	put32(LH_KERNEL_ALIGNMENT, 0x200000);
	file[LH_RELOCATABLE] = 1;
	put16(LH_XLOADFLAGS, LINUX_XLF_KERNEL_64);
	put32(LH_CMDLINE_SIZE, 2047);
	put64(LH_PREF_ADDRESS, 16 * MiB);
	put32(LH_INIT_SIZE, 8 * MiB);
}

static int setup(void **state)
{
	file = malloc(FILE_LEN);
	ram = malloc(RAM_SIZE);
	memset(ram, SENTINEL, RAM_SIZE);
	make_image();
	err[0] = 0;
	return 0;
}

static int teardown(void **state)
{
	free(file);
	free(ram);
	return 0;
}

static bool ram_untouched(void)
{
	for (size_t i = 0; i < RAM_SIZE; i += 512)
		if (ram[i] != SENTINEL)
			return false;
	return true;
}

static void test_boot(void **state)
{
	static const uint8_t initrd[12345] = { 1, 2, 3 };
	struct linux_image li;

	assert_true(linux_is_bzimage(file, FILE_LEN));
	assert_int_equal(linux_boot_build(ram, RAM_SIZE, file, FILE_LEN, "console=ttyS0 quiet",
					  initrd, sizeof(initrd), 0xE0000, &li, err, sizeof(err)), 0);
	assert_int_equal(li.entry, 16 * MiB);
	assert_int_equal(li.zero_page, LINUX_ZERO_PAGE_GPA);
	assert_int_equal(li.kernel_hi, 24 * MiB);
	assert_int_equal(li.version, 0x020F);
	assert_true(li.kernel_64);
	/* the kernel's bytes at the load address */
	assert_memory_equal(ram + 16 * MiB, file + PM_OFF, PM_LEN);
	/* the zero page: header copied, the loader's fields filled */
	const uint8_t *zp = ram + LINUX_ZERO_PAGE_GPA;
	assert_int_equal(get32(zp + LH_HEADER), LINUX_HDRS_MAGIC);
	assert_int_equal(zp[LH_TYPE_OF_LOADER], 0xFF);
	assert_int_equal(zp[LH_LOADFLAGS], LINUX_LOADED_HIGH);          /* CAN_USE_HEAP cleared */
	assert_int_equal(get32(zp + LH_CODE32_START), 16 * MiB);
	assert_int_equal(get32(zp + LH_CMD_LINE_PTR), LINUX_CMDLINE_GPA);
	assert_string_equal((const char *)ram + LINUX_CMDLINE_GPA, "console=ttyS0 quiet");
	assert_int_equal(get32(zp + LH_RAMDISK_SIZE), sizeof(initrd));
	uint32_t rd = get32(zp + LH_RAMDISK_IMAGE);
	assert_int_equal(rd % 4096, 0);
	assert_true(rd + sizeof(initrd) <= RAM_SIZE && rd + sizeof(initrd) > RAM_SIZE - 4096);
	assert_memory_equal(ram + rd, initrd, sizeof(initrd));
	assert_int_equal(get64(zp + BP_ACPI_RSDP_ADDR), 0xE0000);
	assert_memory_equal(zp + 0x290, (uint8_t[16]){ 0 }, 16);     /* past the header: zero */
	/* e820: low RAM, EBDA, BIOS area, RAM from 1 MiB */
	assert_int_equal(zp[BP_E820_ENTRIES], 4);
	const uint8_t *e = zp + BP_E820_TABLE;
	assert_int_equal(get64(e + 0), 0);
	assert_int_equal(get64(e + 8), 0x9FC00);
	assert_int_equal(get32(e + 16), E820_RAM);
	assert_int_equal(get64(e + 60), 0x100000);
	assert_int_equal(get64(e + 68), RAM_SIZE - 0x100000);
	assert_int_equal(get32(e + 76), E820_RAM);
	assert_int_equal(get32(e + 36), E820_RESERVED);
	/* the GDT: __BOOT_CS and __BOOT_DS flat */
	const uint8_t *gdt = ram + LINUX_GDT_GPA;
	assert_int_equal(get64(gdt + LINUX_BOOT_CS), 0x00CF9A000000FFFFULL);
	assert_int_equal(get64(gdt + LINUX_BOOT_DS), 0x00CF92000000FFFFULL);
	assert_int_equal(get64(gdt + 0), 0);
}

static void test_no_initrd_old_rsdp_field(void **state)
{
	struct linux_image li;

	put16(LH_VERSION, 0x020C);                  /* 2.12: no acpi_rsdp_addr yet */
	assert_int_equal(linux_boot_build(ram, RAM_SIZE, file, FILE_LEN, NULL, NULL, 0, 0xE0000,
					  &li, err, sizeof(err)), 0);
	assert_int_equal(li.initrd_len, 0);
	assert_int_equal(get64(ram + LINUX_ZERO_PAGE_GPA + BP_ACPI_RSDP_ADDR), 0);
	assert_int_equal(ram[LINUX_CMDLINE_GPA], 0);
}

#define REFUSED(substr, ...)                                                              \
	do {                                                                              \
		struct linux_image li;                                                    \
		assert_int_equal(linux_boot_build(ram, __VA_ARGS__, &li, err, sizeof(err)), -1); \
		assert_non_null(strstr(err, substr));                                     \
		assert_true(ram_untouched());                                             \
	} while (0)

static void test_refusals(void **state)
{
	static uint8_t big_initrd[4096];   /* the length says 41 MiB: refused before any copy */
	char longcmd[3000];

	memset(longcmd, 'a', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = 0;
	REFUSED("not a Linux bzImage", RAM_SIZE, file, 0x100, "", NULL, 0, 0);
	REFUSED("command line of 2999 bytes", RAM_SIZE, file, FILE_LEN, longcmd, NULL, 0, 0);
	REFUSED("truncated", RAM_SIZE, file, FILE_LEN - 16, "", NULL, 0, 0);
	REFUSED("truncated", RAM_SIZE, file, PM_OFF, "", NULL, 0, 0);
	REFUSED("needs RAM up to 24 MiB", 16 * MiB, file, FILE_LEN, "", NULL, 0, 0);
	REFUSED("initrd of", RAM_SIZE, file, FILE_LEN, "", big_initrd, 41 * MiB, 0);

	put16(LH_VERSION, 0x0204);
	REFUSED("older than 2.12", RAM_SIZE, file, FILE_LEN, "", NULL, 0, 0);
	make_image();
	file[LH_LOADFLAGS] = 0;
	REFUSED("zImage", RAM_SIZE, file, FILE_LEN, "", NULL, 0, 0);
	make_image();
	file[LH_JUMP + 1] = 0x10;
	REFUSED("bad length", RAM_SIZE, file, FILE_LEN, "", NULL, 0, 0);
	make_image();
	put64(LH_PREF_ADDRESS, 16 * MiB + 4096);      /* not 2 MiB aligned */
	REFUSED("not usable", RAM_SIZE, file, FILE_LEN, "", NULL, 0, 0);
	make_image();
	put64(LH_PREF_ADDRESS, UINT64_MAX - 4096 + 1);
	put32(LH_KERNEL_ALIGNMENT, 4096);
	REFUSED("needs RAM", RAM_SIZE, file, FILE_LEN, "", NULL, 0, 0);
}

/* Random corruption of the header: refused by name or loaded inside RAM, never
 * a crash (ASan) and never a write outside ram[]. */
static void test_random_headers(void **state)
{
	uint64_t x = 88172645463325252ULL;
	struct linux_image li;

	for (int i = 0; i < 3000; i++) {
		make_image();
		for (int k = 0; k < 4; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			file[0x1F1 + x % 0x80] = (uint8_t)(x >> 24);
		}
		if (linux_boot_build(ram, RAM_SIZE, file, FILE_LEN, "x", file, 100, 0, &li, err,
				     sizeof(err)) == 0) {
			assert_true(li.kernel_hi <= RAM_SIZE && li.entry >= 0x100000);
			assert_true(li.initrd_lo >= li.kernel_hi);
		} else {
			assert_true(err[0] != 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_initrd_old_rsdp_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_headers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
