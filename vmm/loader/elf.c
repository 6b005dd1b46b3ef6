/*
 * vmm/loader/elf.c - load a Multiboot 1 kernel image into guest RAM (contract in
 * vmm/loader/elf.h).
 *
 * Context: any; pure C, no hardware access, unit-tested and fuzzed on the
 * host. Two passes: the first reads the file and checks every segment (inside
 * the file, inside guest RAM, no overlap, entry point inside one of them) and
 * records what to copy; only when all of it holds does the second pass write
 * guest RAM. Headers are copied out with memcpy (the file owes us no
 * alignment) and every sum of file- or guest-supplied values is checked for
 * wrap-around before it is used.
 */
#include "vmm/loader/elf.h"
#include "lib/printf.h"
#include "lib/string.h"

/* The headers are read by memcpy into these structs: x86 is little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ELF structs read in host order");

/* ELF identification and the header values we accept (System V ABI, "ELF Header"). */
#define EI_NIDENT      16
#define EI_CLASS       4
#define EI_DATA        5
#define ELFCLASS32     1
#define ELFCLASS64     2
#define ELFDATA2LSB    1
#define ET_EXEC        2
#define EM_386         3
#define EM_X86_64      62
#define PT_LOAD        1

static const uint8_t elf_magic[4] = { 0x7F, 'E', 'L', 'F' };

struct elf32_ehdr {
	uint8_t  e_ident[EI_NIDENT]; /*  0 */
	uint16_t e_type;             /* 16 */
	uint16_t e_machine;          /* 18 */
	uint32_t e_version;          /* 20 */
	uint32_t e_entry;            /* 24 */
	uint32_t e_phoff;            /* 28 */
	uint32_t e_shoff;            /* 32 */
	uint32_t e_flags;            /* 36 */
	uint16_t e_ehsize;           /* 40 */
	uint16_t e_phentsize;        /* 42 */
	uint16_t e_phnum;            /* 44 */
	uint16_t e_shentsize;        /* 46 */
	uint16_t e_shnum;            /* 48 */
	uint16_t e_shstrndx;         /* 50 */
} PACKED;                            /* 52 */

struct elf64_ehdr {
	uint8_t  e_ident[EI_NIDENT]; /*  0 */
	uint16_t e_type;             /* 16 */
	uint16_t e_machine;          /* 18 */
	uint32_t e_version;          /* 20 */
	uint64_t e_entry;            /* 24 */
	uint64_t e_phoff;            /* 32 */
	uint64_t e_shoff;            /* 40 */
	uint32_t e_flags;            /* 48 */
	uint16_t e_ehsize;           /* 52 */
	uint16_t e_phentsize;        /* 54 */
	uint16_t e_phnum;            /* 56 */
	uint16_t e_shentsize;        /* 58 */
	uint16_t e_shnum;            /* 60 */
	uint16_t e_shstrndx;         /* 62 */
} PACKED;                            /* 64 */

struct elf32_phdr {
	uint32_t p_type;             /*  0 */
	uint32_t p_offset;           /*  4 */
	uint32_t p_vaddr;            /*  8 */
	uint32_t p_paddr;            /* 12 */
	uint32_t p_filesz;           /* 16 */
	uint32_t p_memsz;            /* 20 */
	uint32_t p_flags;            /* 24 */
	uint32_t p_align;            /* 28 */
} PACKED;                            /* 32 */

struct elf64_phdr {
	uint32_t p_type;             /*  0 */
	uint32_t p_flags;            /*  4 */
	uint64_t p_offset;           /*  8 */
	uint64_t p_vaddr;            /* 16 */
	uint64_t p_paddr;            /* 24 */
	uint64_t p_filesz;           /* 32 */
	uint64_t p_memsz;            /* 40 */
	uint64_t p_align;            /* 48 */
} PACKED;                            /* 56 */

_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header layout");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");

#define ENTRY_LIMIT   (1ULL << 32)      /* Multiboot enters in 32-bit mode: EIP */
#define LABEL_MAX     48

/* One ELF program header or the a.out-kludge image, in a class-free form. */
struct load_seg {
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct elf_ctx {
	const uint8_t *file;
	uint64_t file_len;
	uint64_t ram_size;
	const char *name;
	char *err;
	size_t errlen;
	struct guest_image img;                   /* built here, copied out on success */
	uint64_t src_offset[ELF_MAX_SEGMENTS];    /* file offset of each segment */
	uint64_t vaddr[ELF_MAX_SEGMENTS];         /* for the entry-point translation */
	uint32_t phindex[ELF_MAX_SEGMENTS];       /* program-header index, for messages */
};

static int fail(struct elf_ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Write "<name>: <message>" into the caller's buffer; returns -1. */
static int fail(struct elf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return -1;
	n = cv_snprintf(c->err, c->errlen, "%s: ", c->name);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		cv_vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Is [off, off + len) inside the file? Never wraps. */
static bool in_file(const struct elf_ctx *c, uint64_t off, uint64_t len)
{
	return off <= c->file_len && len <= c->file_len - off;
}

/* "64 MiB" when the size is whole MiB, else "0x...-byte": for messages. */
static void ram_words(uint64_t size, char *buf, size_t len)
{
	if (size != 0 && IS_ALIGNED(size, MiB))
		cv_snprintf(buf, len, "%llu MiB", (unsigned long long)(size / MiB));
	else
		cv_snprintf(buf, len, "0x%llx-byte", (unsigned long long)size);
}

/*
 * Check one loadable piece and record it as the next segment. label names it
 * in messages ("segment 3", "a.out kludge image"). memsz must be nonzero.
 */
static int add_segment(struct elf_ctx *c, const char *label, uint32_t phindex,
		       const struct load_seg *s)
{
	struct guest_image *img = &c->img;
	char ram[LABEL_MAX];
	uint32_t i, n = img->nsegments;

	if (s->filesz > s->memsz)
		return fail(c, "%s: p_filesz 0x%llx is larger than p_memsz 0x%llx", label,
			    (unsigned long long)s->filesz, (unsigned long long)s->memsz);
	if (!in_file(c, s->offset, s->filesz))
		return fail(c, "%s: file bytes at offset 0x%llx size 0x%llx run past the end "
			    "of the file (0x%llx bytes): truncated?", label,
			    (unsigned long long)s->offset, (unsigned long long)s->filesz,
			    (unsigned long long)c->file_len);
	if (s->paddr > c->ram_size || s->memsz > c->ram_size - s->paddr) {
		ram_words(c->ram_size, ram, sizeof(ram));
		return fail(c, "%s at 0x%llx size 0x%llx does not fit the guest's %s RAM",
			    label, (unsigned long long)s->paddr,
			    (unsigned long long)s->memsz, ram);
	}
	if (n == ELF_MAX_SEGMENTS)
		return fail(c, "%s: more than %u loadable segments", label, ELF_MAX_SEGMENTS);
	for (i = 0; i < n; i++) {
		uint64_t a = img->segments[i].gpa, alen = img->segments[i].memsz;

		if (a <= s->paddr ? s->paddr - a < alen : a - s->paddr < s->memsz)
			return fail(c, "%s at 0x%llx size 0x%llx overlaps segment %u at "
				    "0x%llx size 0x%llx", label,
				    (unsigned long long)s->paddr, (unsigned long long)s->memsz,
				    c->phindex[i], (unsigned long long)a,
				    (unsigned long long)alen);
	}
	img->segments[n].gpa = s->paddr;
	img->segments[n].filesz = s->filesz;
	img->segments[n].memsz = s->memsz;
	c->src_offset[n] = s->offset;
	c->vaddr[n] = s->vaddr;
	c->phindex[n] = phindex;
	img->nsegments = n + 1;
	return 0;
}

/*
 * Translate the entry point (a virtual address for ELF, physical for the
 * a.out kludge, where vaddr == paddr) through the segment containing it.
 */
static int set_entry(struct elf_ctx *c, uint64_t entry)
{
	struct guest_image *img = &c->img;
	uint32_t i;

	for (i = 0; i < img->nsegments; i++) {
		uint64_t delta = entry - c->vaddr[i];

		if (entry < c->vaddr[i] || delta >= img->segments[i].memsz)
			continue;
		img->entry = img->segments[i].gpa + delta;
		if (img->entry >= ENTRY_LIMIT)
			return fail(c, "entry point 0x%llx lies at guest-physical 0x%llx, "
				    "above 4 GiB (Multiboot enters in 32-bit mode)",
				    (unsigned long long)entry,
				    (unsigned long long)img->entry);
		return 0;
	}
	return fail(c, "entry point 0x%llx is not inside a loaded segment",
		    (unsigned long long)entry);
}

/*
 * Find the Multiboot header: 4-byte aligned, wholly within the first 8 KiB,
 * magic + flags + checksum == 0. Returns its offset or -1 with a message.
 */
static int64_t find_header(struct elf_ctx *c, struct mb_header *h)
{
	uint64_t limit = MIN(c->file_len, (uint64_t)MB_HEADER_SEARCH_LIMIT);
	uint64_t off;
	int64_t bad_checksum = -1;

	for (off = 0; off + MB_HEADER_SIZE <= limit; off += MB_HEADER_ALIGN) {
		memset(h, 0, sizeof(*h));
		memcpy(h, c->file + off, MB_HEADER_SIZE);
		if (h->magic != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(h->magic + h->flags + h->checksum) == 0)
			return (int64_t)off;
		if (bad_checksum < 0)
			bad_checksum = (int64_t)off;
	}
	if (bad_checksum >= 0)
		return fail(c, "no Multiboot header in the first 8 KiB (the magic at offset "
			    "0x%llx has a bad checksum)", (unsigned long long)bad_checksum);
	return fail(c, "no Multiboot header in the first 8 KiB");
}

/*
 * Multiboot header flag 16: the header says where the file goes. The text
 * starts header_addr - load_addr bytes before the header in the file and is
 * loaded at load_addr up to load_end_addr (0: end of file); bss up to
 * bss_end_addr (0: none) is zeroed.
 */
static int check_aout_kludge(struct elf_ctx *c, uint64_t hdr_off, struct mb_header *h)
{
	struct load_seg s;
	uint64_t before, load_end, mem_end;

	if (hdr_off + MB_HEADER_AOUT_SIZE > MB_HEADER_SEARCH_LIMIT ||
	    !in_file(c, hdr_off, MB_HEADER_AOUT_SIZE))
		return fail(c, "Multiboot header at offset 0x%llx with the a.out kludge "
			    "(flag 16) is cut short", (unsigned long long)hdr_off);
	memcpy(h, c->file + hdr_off, MB_HEADER_AOUT_SIZE);
	if (h->load_addr > h->header_addr)
		return fail(c, "a.out kludge: load_addr 0x%x is above header_addr 0x%x",
			    h->load_addr, h->header_addr);
	before = h->header_addr - h->load_addr;
	if (before > hdr_off)
		return fail(c, "a.out kludge: header_addr 0x%x - load_addr 0x%x puts the "
			    "start of the text before the start of the file (header at "
			    "offset 0x%llx)", h->header_addr, h->load_addr,
			    (unsigned long long)hdr_off);
	s.offset = hdr_off - before;
	s.paddr = s.vaddr = h->load_addr;
	if (h->load_end_addr == 0) {
		s.filesz = c->file_len - s.offset;
	} else {
		if (h->load_end_addr < h->load_addr)
			return fail(c, "a.out kludge: load_end_addr 0x%x is below load_addr 0x%x",
				    h->load_end_addr, h->load_addr);
		s.filesz = h->load_end_addr - h->load_addr;
	}
	if (s.filesz > UINT64_MAX - s.paddr)
		return fail(c, "a.out kludge: load_addr 0x%x + 0x%llx file bytes wraps",
			    h->load_addr, (unsigned long long)s.filesz);
	load_end = s.paddr + s.filesz;
	mem_end = load_end;
	if (h->bss_end_addr != 0) {
		if (h->bss_end_addr < load_end)
			return fail(c, "a.out kludge: bss_end_addr 0x%x is below the end of "
				    "the loaded text 0x%llx", h->bss_end_addr,
				    (unsigned long long)load_end);
		mem_end = h->bss_end_addr;
	}
	s.memsz = mem_end - s.paddr;
	if (s.memsz == 0)
		return fail(c, "a.out kludge: nothing to load (load_addr 0x%x, "
			    "load_end_addr 0x%x, bss_end_addr 0x%x)", h->load_addr,
			    h->load_end_addr, h->bss_end_addr);
	if (add_segment(c, "a.out kludge image", 0, &s) < 0)
		return -1;
	c->img.aout_kludge = true;
	return set_entry(c, h->entry_addr);
}

/* Read program header i (its bounds already checked) into class-free form. */
static void read_phdr(const struct elf_ctx *c, uint64_t phoff, uint32_t i,
		      uint32_t *type, struct load_seg *s)
{
	if (c->img.elf64) {
		struct elf64_phdr p;

		memcpy(&p, c->file + phoff + (uint64_t)i * sizeof(p), sizeof(p));
		*type = p.p_type;
		s->offset = p.p_offset;
		s->vaddr = p.p_vaddr;
		s->paddr = p.p_paddr;
		s->filesz = p.p_filesz;
		s->memsz = p.p_memsz;
	} else {
		struct elf32_phdr p;

		memcpy(&p, c->file + phoff + (uint64_t)i * sizeof(p), sizeof(p));
		*type = p.p_type;
		s->offset = p.p_offset;
		s->vaddr = p.p_vaddr;
		s->paddr = p.p_paddr;
		s->filesz = p.p_filesz;
		s->memsz = p.p_memsz;
	}
}

/* An ELF32 or ELF64 x86 executable: check its headers and every PT_LOAD. */
static int check_elf(struct elf_ctx *c)
{
	const uint8_t *id = c->file;
	uint64_t phoff, entry, ehsize, phsize;
	uint32_t type, i, phnum, phentsize, machine, want_machine;
	uint16_t e_type;
	char label[LABEL_MAX];

	if (c->file_len < EI_NIDENT || memcmp(id, elf_magic, sizeof(elf_magic)) != 0)
		return fail(c, "not an ELF file, and its Multiboot header has no a.out "
			    "kludge (flag 16)");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return fail(c, "unknown ELF class %u (EI_CLASS)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(c, "ELF data encoding %u is not little-endian (EI_DATA)",
			    id[EI_DATA]);
	c->img.elf64 = id[EI_CLASS] == ELFCLASS64;
	ehsize = c->img.elf64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
	phsize = c->img.elf64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	if (!in_file(c, 0, ehsize))
		return fail(c, "ELF header cut short (file is 0x%llx bytes)",
			    (unsigned long long)c->file_len);
	if (c->img.elf64) {
		struct elf64_ehdr e;

		memcpy(&e, c->file, sizeof(e));
		e_type = e.e_type;
		machine = e.e_machine;
		entry = e.e_entry;
		phoff = e.e_phoff;
		phentsize = e.e_phentsize;
		phnum = e.e_phnum;
		want_machine = EM_X86_64;
	} else {
		struct elf32_ehdr e;

		memcpy(&e, c->file, sizeof(e));
		e_type = e.e_type;
		machine = e.e_machine;
		entry = e.e_entry;
		phoff = e.e_phoff;
		phentsize = e.e_phentsize;
		phnum = e.e_phnum;
		want_machine = EM_386;
	}
	if (e_type != ET_EXEC)
		return fail(c, "e_type %u is not ET_EXEC (%u)", e_type, ET_EXEC);
	if (machine != want_machine)
		return fail(c, "e_machine %u is not %s (%u) for an ELF%s file", machine,
			    c->img.elf64 ? "EM_X86_64" : "EM_386", want_machine,
			    c->img.elf64 ? "64" : "32");
	if (phnum == 0)
		return fail(c, "no program headers (e_phnum 0): nothing to load");
	if (phentsize != phsize)
		return fail(c, "bad e_phentsize %u (ELF%s program headers are %llu bytes)",
			    phentsize, c->img.elf64 ? "64" : "32",
			    (unsigned long long)phsize);
	if (!in_file(c, phoff, (uint64_t)phnum * phentsize))
		return fail(c, "program header table (e_phoff 0x%llx, e_phnum %u, "
			    "e_phentsize %u) lies outside the file (0x%llx bytes)",
			    (unsigned long long)phoff, phnum, phentsize,
			    (unsigned long long)c->file_len);
	for (i = 0; i < phnum; i++) {
		struct load_seg s;

		read_phdr(c, phoff, i, &type, &s);
		if (type != PT_LOAD || s.memsz == 0)
			continue;
		cv_snprintf(label, sizeof(label), "segment %u", i);
		if (add_segment(c, label, i, &s) < 0)
			return -1;
	}
	if (c->img.nsegments == 0)
		return fail(c, "no loadable segment (no PT_LOAD with p_memsz > 0 among "
			    "%u program headers)", phnum);
	return set_entry(c, entry);
}

int elf_load_multiboot(const uint8_t *file, uint64_t file_len, uint8_t *ram,
		       uint64_t ram_size, const char *name, struct guest_image *img,
		       char *err, size_t errlen)
{
	struct elf_ctx c;
	struct mb_header h;
	int64_t hdr_off;
	uint32_t i, unsupported;
	int rc;

	memset(img, 0, sizeof(*img));
	memset(&c, 0, sizeof(c));
	c.file = file;
	c.file_len = file ? file_len : 0;
	c.ram_size = ram ? ram_size : 0;
	c.name = name ? name : "guest image";
	c.err = err;
	c.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';

	hdr_off = find_header(&c, &h);
	if (hdr_off < 0)
		return -1;
	unsupported = h.flags & MB_HEADER_REQUIRED_MASK & ~(uint32_t)MB_HEADER_SUPPORTED;
	if (unsupported)
		return fail(&c, "Multiboot header flags 0x%x ask for features chronovisor "
			    "does not provide (bits 0x%x)", h.flags, unsupported);
	if (h.flags & MB_HEADER_AOUT_KLUDGE)
		rc = check_aout_kludge(&c, (uint64_t)hdr_off, &h);
	else
		rc = check_elf(&c);
	if (rc < 0)
		return -1;

	/* Everything checked: now, and only now, write guest RAM. */
	c.img.lowest = UINT64_MAX;
	for (i = 0; i < c.img.nsegments; i++) {
		uint64_t gpa = c.img.segments[i].gpa;
		uint64_t filesz = c.img.segments[i].filesz;
		uint64_t memsz = c.img.segments[i].memsz;

		memcpy(ram + gpa, file + c.src_offset[i], filesz);
		memset(ram + gpa + filesz, 0, memsz - filesz);
		c.img.lowest = MIN(c.img.lowest, gpa);
		c.img.highest = MAX(c.img.highest, gpa + memsz);
	}
	*img = c.img;
	return 0;
}
