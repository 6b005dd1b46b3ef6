/*
 * vmm/loader/linux_boot.c - the x86 boot protocol for bzImage guests
 * (vmm/loader/linux_boot.h says what and where).
 *
 * Context: pure C, kernel and host unit tests.
 */
#include "vmm/loader/linux_boot.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SECTOR              512
#define DEFAULT_SETUP_SECTS 4          /* setup_sects = 0 means 4 (boot.rst) */
#define HDR_MIN_END         (LH_INIT_SIZE + 4)
#define HDR_MAX_END         0x290      /* the header ends before the zero page's edd area */
#define KERNEL_LOW_LOAD     0x100000ULL
#define ZERO_PAGE_SIZE      4096
#define LOADER_UNDEFINED    0xFF       /* type_of_loader: "undefined" */
#define CAN_USE_HEAP        0x80       /* loadflags: real-mode heap, not ours */
#define ACPI_RSDP_VERSION   0x020E     /* 2.14 added acpi_rsdp_addr */
#define PREF_ADDR_VERSION   0x020A     /* 2.10 added pref_address and init_size */
#define GUEST_LOW_RAM_END   0x9FC00ULL
#define GUEST_BIOS_AREA     0xE0000ULL
#define PAGE_4K             4096ULL

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

#define FAIL(...) do { if (err) cv_snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

bool linux_is_bzimage(const uint8_t *file, uint64_t len)
{
	return file && len >= LH_HEADER + 4 && rd16(file + LH_BOOT_FLAG) == LINUX_BOOT_FLAG &&
	       rd32(file + LH_HEADER) == LINUX_HDRS_MAGIC;
}

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

static unsigned guest_e820(uint64_t ram_size, struct e820 *e)
{
	e[0] = (struct e820){ 0, GUEST_LOW_RAM_END, E820_RAM };
	e[1] = (struct e820){ GUEST_LOW_RAM_END, 0xA0000 - GUEST_LOW_RAM_END, E820_RESERVED };
	e[2] = (struct e820){ GUEST_BIOS_AREA, KERNEL_LOW_LOAD - GUEST_BIOS_AREA, E820_RESERVED };
	e[3] = (struct e820){ KERNEL_LOW_LOAD, ram_size - KERNEL_LOW_LOAD, E820_RAM };
	return 4;
}

int linux_boot_build(uint8_t *ram, uint64_t ram_size, const uint8_t *file, uint64_t len,
		     const char *cmdline, const uint8_t *initrd, uint64_t initrd_len,
		     uint64_t rsdp_gpa, struct linux_image *out, char *err, size_t errlen)
{
	if (!linux_is_bzimage(file, len))
		FAIL("not a Linux bzImage (no \"HdrS\" setup header with the 0xAA55 boot flag)");
	if (len < HDR_MIN_END)
		FAIL("Linux image of %lu bytes: too short for its setup header", (unsigned long)len);

	uint16_t version = rd16(file + LH_VERSION);
	if (version < LINUX_MIN_VERSION)
		FAIL("Linux boot protocol %u.%02u is older than %u.%02u: not supported",
		     version >> 8, version & 0xFF, LINUX_MIN_VERSION >> 8, LINUX_MIN_VERSION & 0xFF);
	if (!(file[LH_LOADFLAGS] & LINUX_LOADED_HIGH))
		FAIL("a zImage (kernel loaded below 1 MiB) is not supported: use a bzImage");

	/* The header runs from 0x1F1 to 0x202 + the short jump's offset at 0x201. */
	uint64_t hdr_end = LH_HEADER + (uint64_t)file[LH_JUMP + 1];
	if (file[LH_JUMP] != 0xEB || hdr_end < HDR_MIN_END || hdr_end > HDR_MAX_END || hdr_end > len)
		FAIL("Linux setup header: bad length (jump %#x %#x)", file[LH_JUMP], file[LH_JUMP + 1]);

	uint64_t setup_sects = file[LH_SETUP_SECTS] ? file[LH_SETUP_SECTS] : DEFAULT_SETUP_SECTS;
	uint64_t pm_off = (setup_sects + 1) * SECTOR;
	if (pm_off >= len)
		FAIL("Linux image truncated: %lu setup sectors, file of %lu bytes",
		     (unsigned long)setup_sects, (unsigned long)len);
	uint64_t pm_len = len - pm_off;
	uint64_t sys_len = (uint64_t)rd32(file + LH_SYSSIZE) * 16;
	if (sys_len > pm_len)
		FAIL("Linux image truncated: the header says %lu bytes of kernel, the file has %lu",
		     (unsigned long)sys_len, (unsigned long)pm_len);

	bool relocatable = file[LH_RELOCATABLE] != 0;
	uint32_t align = rd32(file + LH_KERNEL_ALIGNMENT);
	uint64_t pref = version >= PREF_ADDR_VERSION ? rd64(file + LH_PREF_ADDRESS) : KERNEL_LOW_LOAD;
	uint64_t init_size = version >= PREF_ADDR_VERSION ? rd32(file + LH_INIT_SIZE) : 0;
	uint64_t load = pref;
	if (load < KERNEL_LOW_LOAD || (relocatable && align && (align & (align - 1))) ||
	    (relocatable && align && (load & (align - 1))))
		FAIL("Linux image: preferred load address %#lx (alignment %#x) is not usable",
		     (unsigned long)pref, align);
	uint64_t need = MAX(init_size, pm_len);
	if (need > ram_size || load > ram_size - need)
		FAIL("Linux kernel needs RAM up to %lu MiB (loaded at %#lx, %lu bytes in place); "
		     "the VM has %lu MiB (mem=)", (unsigned long)((load + need + MiB - 1) / MiB),
		     (unsigned long)load, (unsigned long)need, (unsigned long)(ram_size / MiB));
	uint64_t kernel_hi = load + need;

	if (!cmdline)
		cmdline = "";
	uint64_t cmd_len = strlen(cmdline);
	uint64_t cmd_max = MIN((uint64_t)rd32(file + LH_CMDLINE_SIZE), LINUX_CMDLINE_MAX - 1);
	if (cmd_len > cmd_max)
		FAIL("Linux command line of %lu bytes; this kernel takes at most %lu",
		     (unsigned long)cmd_len, (unsigned long)cmd_max);

	uint64_t initrd_lo = 0;
	if (initrd && initrd_len) {
		uint64_t top = MIN(ram_size, (uint64_t)rd32(file + LH_INITRD_ADDR_MAX) + 1);
		if (initrd_len > top || ((top - initrd_len) & ~(PAGE_4K - 1)) < kernel_hi)
			FAIL("initrd of %lu bytes does not fit between the kernel's end (%#lx) and "
			     "%#lx (mem=)", (unsigned long)initrd_len, (unsigned long)kernel_hi,
			     (unsigned long)top);
		initrd_lo = (top - initrd_len) & ~(PAGE_4K - 1);
		if (initrd_lo + initrd_len > UINT32_MAX)
			FAIL("initrd would end above 4 GiB");
	}

	/* Everything fits: write. */
	uint64_t *gdt = (uint64_t *)(ram + LINUX_GDT_GPA);
	memset(gdt, 0, LINUX_GDT_LIMIT + 1);
	gdt[LINUX_BOOT_CS / 8] = 0x00CF9A000000FFFFULL;   /* 4 GiB, 32-bit, execute/read */
	gdt[LINUX_BOOT_DS / 8] = 0x00CF92000000FFFFULL;   /* 4 GiB, 32-bit, read/write */

	uint8_t *zp = ram + LINUX_ZERO_PAGE_GPA;
	memset(zp, 0, ZERO_PAGE_SIZE);
	memcpy(zp + LH_SETUP_SECTS, file + LH_SETUP_SECTS, hdr_end - LH_SETUP_SECTS);
	zp[LH_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	zp[LH_LOADFLAGS] &= (uint8_t)~CAN_USE_HEAP;
	wr32(zp + LH_CODE32_START, (uint32_t)load);
	wr32(zp + LH_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE_GPA);
	wr32(zp + LH_RAMDISK_IMAGE, (uint32_t)initrd_lo);
	wr32(zp + LH_RAMDISK_SIZE, (uint32_t)(initrd_lo ? initrd_len : 0));
	if (rsdp_gpa && version >= ACPI_RSDP_VERSION)
		wr64(zp + BP_ACPI_RSDP_ADDR, rsdp_gpa);

	struct e820 map[LINUX_E820_MAX];
	unsigned n = guest_e820(ram_size, map);
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = zp + BP_E820_TABLE + 20 * i;
		wr64(e, map[i].addr);
		wr64(e + 8, map[i].size);
		wr32(e + 16, map[i].type);
	}

	memcpy(ram + LINUX_CMDLINE_GPA, cmdline, cmd_len + 1);
	memcpy(ram + load, file + pm_off, pm_len);
	if (initrd_lo)
		memcpy(ram + initrd_lo, initrd, initrd_len);

	*out = (struct linux_image){
		.entry = load,
		.zero_page = LINUX_ZERO_PAGE_GPA,
		.kernel_lo = load,
		.kernel_hi = kernel_hi,
		.initrd_lo = initrd_lo,
		.initrd_len = initrd_lo ? initrd_len : 0,
		.version = version,
		.kernel_64 = (rd16(file + LH_XLOADFLAGS) & LINUX_XLF_KERNEL_64) != 0,
	};
	return 0;
}
