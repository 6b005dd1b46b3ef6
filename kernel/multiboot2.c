/*
 * kernel/multiboot2.c - checked parser for the Multiboot 2 boot information
 * (contract in kernel/multiboot2.h).
 *
 * Context: any; pure C, no hardware access, unit-tested on the host against a
 * fake physical memory. Order of work: the header, one walk over the tags
 * that checks every tag's size and notes where each one is (nothing inside a
 * tag is read yet), the memory map, then the tags one by one. Tags are copied
 * out with memcpy: only the tags' own 8-byte alignment is promised.
 */
#include "kernel/multiboot2.h"
#include "kernel/mb_common.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MB2_MIN_TOTAL_SIZE   (MB2_INFO_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
#define MB2_MODULE_FIXED     (MB2_TAG_HEADER_SIZE + 8)      /* type, size, start, end */
#define MB2_MMAP_FIXED       (MB2_TAG_HEADER_SIZE + 8)      /* type, size, entry size, version */
#define MB2_EFI_MMAP_FIXED   (MB2_TAG_HEADER_SIZE + 8)      /* type, size, descr size, version */
#define MB2_EFI64_FIXED      (MB2_TAG_HEADER_SIZE + 8)
#define MB2_EFI32_FIXED      (MB2_TAG_HEADER_SIZE + 4)
#define MB2_MEMINFO_SIZE     (MB2_TAG_HEADER_SIZE + 8)
#define NO_TAG               0                              /* offsets start at 8 */

static const char *const tag_names[MB2_TAG_TYPES] = {
	[MB2_TAG_END] = "end",
	[MB2_TAG_CMDLINE] = "command line",
	[MB2_TAG_LOADER_NAME] = "boot loader name",
	[MB2_TAG_MODULE] = "module",
	[MB2_TAG_BASIC_MEMINFO] = "basic memory info",
	[MB2_TAG_BOOTDEV] = "boot device",
	[MB2_TAG_MMAP] = "memory map",
	[MB2_TAG_VBE] = "VBE info",
	[MB2_TAG_FRAMEBUFFER] = "framebuffer",
	[MB2_TAG_ELF_SECTIONS] = "ELF sections",
	[MB2_TAG_APM] = "APM table",
	[MB2_TAG_EFI32] = "EFI32 system table",
	[MB2_TAG_EFI64] = "EFI64 system table",
	[MB2_TAG_SMBIOS] = "SMBIOS tables",
	[MB2_TAG_ACPI_OLD] = "ACPI 1.0 RSDP",
	[MB2_TAG_ACPI_NEW] = "ACPI 2.0 RSDP",
	[MB2_TAG_NETWORK] = "network",
	[MB2_TAG_EFI_MMAP] = "EFI memory map",
	[MB2_TAG_EFI_BS] = "EFI boot services not exited",
	[MB2_TAG_EFI32_IH] = "EFI32 image handle",
	[MB2_TAG_EFI64_IH] = "EFI64 image handle",
	[MB2_TAG_LOAD_BASE_ADDR] = "image load base",
};

struct mb2_walk {
	uint64_t info;                       /* physical address of the information */
	uint32_t total;                      /* total_size */
	uint32_t at[MB2_TAG_TYPES];          /* offset of the one tag of each type, NO_TAG if none */
	uint32_t size[MB2_TAG_TYPES];        /* its size */
	uint32_t nmods;
	uint32_t mod_at[MB_MAX_MODULES];
	uint32_t mod_size[MB_MAX_MODULES];
};

static const char *tag_name(uint32_t type)
{
	return type < MB2_TAG_TYPES && tag_names[type] ? tag_names[type] : "unknown";
}

/* Copy len bytes at offset off of the information (already checked inside it). */
static void info_read(struct mb_ctx *c, const struct mb2_walk *w, uint64_t off, void *dst,
		      size_t len)
{
	memcpy(dst, mb_phys_ptr(c->pv, w->info + off), len);
}

/* Walk the tags once: sizes, the end tag, where each tag is. */
static int walk_tags(struct mb_ctx *c, struct mb2_walk *w)
{
	uint64_t off = MB2_INFO_HEADER_SIZE;
	uint32_t index = 0;

	while (off < w->total) {
		struct mb2_tag t;

		if (w->total - off < MB2_TAG_HEADER_SIZE)
			return mb_fail(c, "tag %u at offset %llu: only %llu bytes left of total_size %u",
				       index, (unsigned long long)off,
				       (unsigned long long)(w->total - off), w->total);
		info_read(c, w, off, &t, sizeof(t));
		if (t.size < MB2_TAG_HEADER_SIZE)
			return mb_fail(c, "tag %u (type %u, %s) at offset %llu: size %u < 8",
				       index, t.type, tag_name(t.type), (unsigned long long)off,
				       t.size);
		if (t.size > w->total - off)
			return mb_fail(c, "tag %u (type %u, %s) at offset %llu: size %u runs past total_size %u",
				       index, t.type, tag_name(t.type), (unsigned long long)off,
				       t.size, w->total);
		if (t.type == MB2_TAG_END) {
			if (t.size != MB2_TAG_HEADER_SIZE)
				return mb_fail(c, "end tag at offset %llu has size %u, not 8",
					       (unsigned long long)off, t.size);
			w->at[MB2_TAG_END] = (uint32_t)off;
			return 0;
		}
		if (t.type == MB2_TAG_MODULE) {
			if (w->nmods >= MB_MAX_MODULES)
				return mb_fail(c, "more than %d modules", MB_MAX_MODULES);
			w->mod_at[w->nmods] = (uint32_t)off;
			w->mod_size[w->nmods++] = t.size;
		} else if (t.type < MB2_TAG_TYPES) {
			if (w->at[t.type] != NO_TAG)
				return mb_fail(c, "tag type %u (%s) given twice (offsets %u and %llu)",
					       t.type, tag_name(t.type), w->at[t.type],
					       (unsigned long long)off);
			w->at[t.type] = (uint32_t)off;
			w->size[t.type] = t.size;
		}       /* unknown types: skipped, as the specification asks */
		off += ALIGN_UP((uint64_t)t.size, MB2_TAG_ALIGN);
		index++;
	}
	return mb_fail(c, "no end tag within total_size %u", w->total);
}

/*
 * The string that fills a tag from offset 'from' on: it must end with a NUL
 * inside the tag. Copied into dst (dstlen bytes); longer than dstlen - 1 is
 * an error when must_fit, else cut.
 */
static int tag_string(struct mb_ctx *c, const struct mb2_walk *w, const char *what,
		      uint32_t tag_off, uint32_t tag_size, uint32_t from, char *dst,
		      size_t dstlen, bool must_fit)
{
	const char *s = mb_phys_ptr(c->pv, w->info + tag_off + from);
	uint32_t room = tag_size - from, n = 0;

	while (n < room && s[n])
		n++;
	if (n == room)
		return mb_fail(c, "%s in the tag at offset %u is not NUL-terminated within the tag's %u bytes",
			       what, tag_off, tag_size);
	if (must_fit && n >= dstlen)
		return mb_fail(c, "%s in the tag at offset %u is %u bytes long, at most %zu supported",
			       what, tag_off, n, dstlen - 1);
	n = (uint32_t)MIN((size_t)n, dstlen - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static uint32_t efi_to_mb_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MB_MEMORY_AVAILABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return 3;
	case EFI_ACPI_MEMORY_NVS:
		return 4;
	case EFI_UNUSABLE_MEMORY:
		return 5;
	case EFI_PERSISTENT_MEMORY:
		return 7;
	}
	return MB_MEMORY_RESERVED;      /* runtime services, MMIO, reserved, unknown */
}

/* Tag 6: entries of entry_size bytes after a 16-byte head. */
static int parse_mmap(struct mb_ctx *c, const struct mb2_walk *w)
{
	uint32_t off = w->at[MB2_TAG_MMAP], size = w->size[MB2_TAG_MMAP];
	uint32_t head[2], entry_size, n;

	if (size < MB2_MMAP_FIXED)
		return mb_fail(c, "memory map tag: size %u < %u", size, MB2_MMAP_FIXED);
	info_read(c, w, off + MB2_TAG_HEADER_SIZE, head, sizeof(head));
	entry_size = head[0];
	if (entry_size < sizeof(struct mb2_mmap_entry) || entry_size % 8)
		return mb_fail(c, "memory map tag: entry_size %u (must be a multiple of 8, >= 24)",
			       entry_size);
	if ((size - MB2_MMAP_FIXED) % entry_size)
		return mb_fail(c, "memory map tag: %u bytes of entries are not a whole number of %u-byte entries",
			       size - MB2_MMAP_FIXED, entry_size);
	n = (size - MB2_MMAP_FIXED) / entry_size;
	if (n == 0)
		return mb_fail(c, "memory map tag has no entries");
	for (uint32_t i = 0; i < n; i++) {
		struct mb2_mmap_entry e;

		info_read(c, w, off + MB2_MMAP_FIXED + (uint64_t)i * entry_size, &e, sizeof(e));
		if (mb_add_range(c, i, e.base_addr, e.length, e.type))
			return -1;
	}
	return 0;
}

/* Tag 17: check it, count it, and when use_it, convert it into bi->ranges. */
static int parse_efi_mmap(struct mb_ctx *c, const struct mb2_walk *w, bool use_it)
{
	uint32_t off = w->at[MB2_TAG_EFI_MMAP], size = w->size[MB2_TAG_EFI_MMAP];
	uint32_t head[2], dsize, n;
	struct boot_info *bi = c->bi;

	if (size < MB2_EFI_MMAP_FIXED)
		return mb_fail(c, "EFI memory map tag: size %u < %u", size, MB2_EFI_MMAP_FIXED);
	info_read(c, w, off + MB2_TAG_HEADER_SIZE, head, sizeof(head));
	dsize = head[0];
	if (dsize < sizeof(struct efi_memory_descriptor) || dsize % 8)
		return mb_fail(c, "EFI memory map tag: descriptor size %u (must be a multiple of 8, >= 40)",
			       dsize);
	if ((size - MB2_EFI_MMAP_FIXED) % dsize)
		return mb_fail(c, "EFI memory map tag: %u bytes of descriptors are not a whole number of %u-byte descriptors",
			       size - MB2_EFI_MMAP_FIXED, dsize);
	n = (size - MB2_EFI_MMAP_FIXED) / dsize;
	for (uint32_t i = 0; i < n; i++) {
		struct efi_memory_descriptor d;
		uint64_t len;
		uint32_t type;

		info_read(c, w, off + MB2_EFI_MMAP_FIXED + (uint64_t)i * dsize, &d, sizeof(d));
		if (d.number_of_pages > UINT64_MAX / EFI_PAGE_SIZE)
			return mb_fail(c, "EFI memory descriptor %u: %llu pages overflow 64 bits",
				       i, (unsigned long long)d.number_of_pages);
		len = d.number_of_pages * EFI_PAGE_SIZE;
		if (len > UINT64_MAX - d.physical_start)
			return mb_fail(c, "EFI memory descriptor %u (base 0x%llx, %llu pages) wraps past 2^64",
				       i, (unsigned long long)d.physical_start,
				       (unsigned long long)d.number_of_pages);
		if (!use_it || len == 0)
			continue;
		type = efi_to_mb_type(d.type);
		if (bi->nranges > 0) {
			struct mem_range *last = &bi->ranges[bi->nranges - 1];

			if (last->type == type && last->base + last->len == d.physical_start) {
				last->len += len;       /* neighbours of one type: one range */
				continue;
			}
		}
		if (mb_add_range(c, i, d.physical_start, len, type))
			return -1;
	}
	bi->efi_mmap_entries = n;
	bi->map_from_efi = use_it;
	return 0;
}

static int parse_memory(struct mb_ctx *c, const struct mb2_walk *w)
{
	bool have_mmap = w->at[MB2_TAG_MMAP] != NO_TAG;
	bool have_efi = w->at[MB2_TAG_EFI_MMAP] != NO_TAG;

	if (have_mmap && parse_mmap(c, w))
		return -1;
	if (have_efi && parse_efi_mmap(c, w, !have_mmap))
		return -1;
	if (!have_mmap && !have_efi) {
		uint32_t kib[2];

		if (w->at[MB2_TAG_BASIC_MEMINFO] == NO_TAG)
			return mb_fail(c, "no memory map (no tag 6, 17 or 4)");
		if (w->size[MB2_TAG_BASIC_MEMINFO] < MB2_MEMINFO_SIZE)
			return mb_fail(c, "basic memory info tag: size %u < %u",
				       w->size[MB2_TAG_BASIC_MEMINFO], MB2_MEMINFO_SIZE);
		info_read(c, w, w->at[MB2_TAG_BASIC_MEMINFO] + MB2_TAG_HEADER_SIZE, kib, sizeof(kib));
		if (mb_add_range(c, 0, 0, kib[0] * KiB, MB_MEMORY_AVAILABLE) ||
		    mb_add_range(c, 1, 1 * MiB, kib[1] * KiB, MB_MEMORY_AVAILABLE))
			return -1;
	}
	return mb_finish_map(c);
}

static int parse_modules(struct mb_ctx *c, const struct mb2_walk *w)
{
	struct boot_info *bi = c->bi;

	for (uint32_t i = 0; i < w->nmods; i++) {
		struct boot_module *m = &bi->modules[i];
		uint32_t se[2];
		char label[MB_LABEL_MAX];

		if (w->mod_size[i] < MB2_MODULE_FIXED + 1)
			return mb_fail(c, "module %u tag: size %u < %u", i, w->mod_size[i],
				       MB2_MODULE_FIXED + 1);
		info_read(c, w, w->mod_at[i] + MB2_TAG_HEADER_SIZE, se, sizeof(se));
		if (se[1] < se[0])
			return mb_fail(c, "module %u (end 0x%x < start 0x%x)", i, se[1], se[0]);
		if (se[1] == se[0])
			return mb_fail(c, "module %u is empty (start = end = 0x%x)", i, se[0]);
		cv_snprintf(label, sizeof(label), "module %u", i);
		cv_snprintf(c->string_what[i], sizeof(c->string_what[i]), "module %u string", i);
		if (mb_check_usable(c, label, se[0], se[1] - se[0]) ||
		    tag_string(c, w, c->string_what[i], w->mod_at[i], w->mod_size[i],
			       MB2_MODULE_FIXED, m->cmdline, sizeof(m->cmdline), true))
			return -1;
		m->start = se[0];
		m->end = se[1];
		bi->nmodules++;
	}
	return 0;
}

static int parse_framebuffer(struct mb_ctx *c, const struct mb2_walk *w)
{
	uint32_t off = w->at[MB2_TAG_FRAMEBUFFER], size = w->size[MB2_TAG_FRAMEBUFFER];
	struct boot_fb *fb = &c->bi->fb;
	struct mb2_tag_framebuffer t;
	uint64_t bytes;

	if (off == NO_TAG)
		return 0;
	if (size < sizeof(t))
		return mb_fail(c, "framebuffer tag: size %u < %zu", size, sizeof(t));
	info_read(c, w, off, &t, sizeof(t));
	if (t.width == 0 || t.height == 0 || t.pitch == 0)
		return mb_fail(c, "framebuffer tag: %ux%u, pitch %u: empty", t.width, t.height,
			       t.pitch);
	bytes = (uint64_t)t.pitch * t.height;
	if (t.addr == 0 || bytes > UINT64_MAX - t.addr)
		return mb_fail(c, "framebuffer tag: address 0x%llx with %llu bytes",
			       (unsigned long long)t.addr, (unsigned long long)bytes);
	switch (t.fb_type) {
	case MB2_FB_RGB: {
		uint8_t rgb[MB2_FB_RGB_INFO_SIZE];

		if (t.bpp != 15 && t.bpp != 16 && t.bpp != 24 && t.bpp != 32)
			return mb_fail(c, "framebuffer tag: RGB with %u bits per pixel (15, 16, 24 or 32 supported)",
				       t.bpp);
		if ((uint64_t)t.pitch < (uint64_t)t.width * ((t.bpp + 7) / 8))
			return mb_fail(c, "framebuffer tag: pitch %u < width %u x %u bytes per pixel",
				       t.pitch, t.width, (t.bpp + 7) / 8);
		if (size < sizeof(t) + sizeof(rgb))
			return mb_fail(c, "framebuffer tag: size %u has no RGB field information",
				       size);
		info_read(c, w, off + sizeof(t), rgb, sizeof(rgb));
		for (int i = 0; i < 3; i++)
			if (rgb[2 * i + 1] == 0 || rgb[2 * i + 1] > 8 ||
			    rgb[2 * i] + rgb[2 * i + 1] > t.bpp)
				return mb_fail(c, "framebuffer tag: colour field %d (position %u, size %u) does not fit %u bits per pixel",
					       i, rgb[2 * i], rgb[2 * i + 1], t.bpp);
		fb->kind = BOOT_FB_RGB;
		fb->red_pos = rgb[0];
		fb->red_size = rgb[1];
		fb->green_pos = rgb[2];
		fb->green_size = rgb[3];
		fb->blue_pos = rgb[4];
		fb->blue_size = rgb[5];
		break;
	}
	case MB2_FB_EGA_TEXT:
		if ((uint64_t)t.pitch < (uint64_t)t.width * 2)
			return mb_fail(c, "framebuffer tag: EGA text pitch %u < 2 x %u columns",
				       t.pitch, t.width);
		fb->kind = BOOT_FB_EGA_TEXT;
		break;
	case MB2_FB_INDEXED:
		fb->kind = BOOT_FB_INDEXED;
		break;
	default:
		return mb_fail(c, "framebuffer tag: unknown framebuffer type %u", t.fb_type);
	}
	fb->addr = t.addr;
	fb->pitch = t.pitch;
	fb->width = t.width;
	fb->height = t.height;
	fb->bpp = t.bpp;
	return 0;
}

/* Tags 14 and 15 carry a copy of the RSDP; 15 (ACPI 2.0+, with the XSDT) wins. */
static int parse_rsdp(struct mb_ctx *c, const struct mb2_walk *w)
{
	static const uint32_t order[] = { MB2_TAG_ACPI_NEW, MB2_TAG_ACPI_OLD };
	struct boot_info *bi = c->bi;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		uint32_t type = order[i], off = w->at[type], size = w->size[type];
		uint32_t need = type == MB2_TAG_ACPI_NEW ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE;

		if (off == NO_TAG)
			continue;
		if (size < MB2_TAG_HEADER_SIZE + need)
			return mb_fail(c, "tag %u (%s): size %u < %u", type, tag_name(type), size,
				       MB2_TAG_HEADER_SIZE + need);
		info_read(c, w, off + MB2_TAG_HEADER_SIZE, bi->rsdp, need);
		if (memcmp(bi->rsdp, "RSD PTR ", 8) != 0)
			return mb_fail(c, "tag %u (%s) does not start with \"RSD PTR \"", type,
				       tag_name(type));
		if (bi->rsdp_tag == 0) {
			bi->rsdp_tag = type;
			bi->rsdp_len = need;
		} else {
			/* tag 14 checked, tag 15's copy stays */
			info_read(c, w, w->at[bi->rsdp_tag] + MB2_TAG_HEADER_SIZE, bi->rsdp,
				  bi->rsdp_len);
		}
	}
	return 0;
}

static void parse_efi_system_table(struct mb_ctx *c, const struct mb2_walk *w)
{
	if (w->at[MB2_TAG_EFI64] != NO_TAG && w->size[MB2_TAG_EFI64] >= MB2_EFI64_FIXED)
		info_read(c, w, w->at[MB2_TAG_EFI64] + MB2_TAG_HEADER_SIZE,
			  &c->bi->efi_system_table, 8);
	else if (w->at[MB2_TAG_EFI32] != NO_TAG && w->size[MB2_TAG_EFI32] >= MB2_EFI32_FIXED) {
		uint32_t p;

		info_read(c, w, w->at[MB2_TAG_EFI32] + MB2_TAG_HEADER_SIZE, &p, sizeof(p));
		c->bi->efi_system_table = p;
	}
}

int mb2_parse(const struct phys_view *pv, uint32_t mbi_addr, struct boot_info *bi,
	      char *err, size_t errlen)
{
	struct mb_ctx c = { .proto = "multiboot2", .pv = pv, .bi = bi, .err = err,
			    .errlen = errlen };
	static struct mb2_walk w;   /* a few hundred bytes: kept off the 16 KiB boot stack */
	uint32_t total;

	memset(bi, 0, sizeof(*bi));
	memset(&w, 0, sizeof(w));
	if (err && errlen)
		err[0] = '\0';
	bi->protocol = 2;
	if (!IS_ALIGNED(mbi_addr, MB2_TAG_ALIGN))
		return mb_fail(&c, "information at 0x%x is not 8-byte aligned", mbi_addr);
	if (mb_check_in_view(&c, "information header", mbi_addr, MB2_INFO_HEADER_SIZE))
		return -1;
	memcpy(&total, mb_phys_ptr(pv, mbi_addr), sizeof(total));
	if (total < MB2_MIN_TOTAL_SIZE)
		return mb_fail(&c, "total_size %u < 16 (the header and an end tag)", total);
	if (mb_check_in_view(&c, "information", mbi_addr, total))
		return -1;
	w.info = mbi_addr;
	w.total = total;
	if (walk_tags(&c, &w) || parse_memory(&c, &w) ||
	    mb_check_usable(&c, "information", mbi_addr, total))
		return -1;
	mb_add_reserved(&c, "information", mbi_addr, total);

	if (w.at[MB2_TAG_CMDLINE] != NO_TAG &&
	    tag_string(&c, &w, "command line", w.at[MB2_TAG_CMDLINE], w.size[MB2_TAG_CMDLINE],
		       MB2_TAG_HEADER_SIZE, bi->cmdline, sizeof(bi->cmdline), true))
		return -1;
	if (w.at[MB2_TAG_LOADER_NAME] != NO_TAG &&
	    tag_string(&c, &w, "boot loader name", w.at[MB2_TAG_LOADER_NAME],
		       w.size[MB2_TAG_LOADER_NAME], MB2_TAG_HEADER_SIZE, bi->loader_name,
		       sizeof(bi->loader_name), false))
		return -1;
	if (parse_modules(&c, &w) || parse_framebuffer(&c, &w) || parse_rsdp(&c, &w))
		return -1;
	parse_efi_system_table(&c, &w);
	return mb_check_module_overlaps(&c);
}
