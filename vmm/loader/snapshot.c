/*
 * vmm/loader/snapshot.c - the VM image format (vmm/loader/snapshot.h).
 *
 * Context: pure C, kernel and host unit tests.
 */
#include "vmm/loader/snapshot.h"
#include "lib/printf.h"
#include "lib/string.h"

#define FNV_PRIME        0x100000001B3ULL
#define SNAP_RAM_MAX     (64 * GiB)
#define RAM_PAYLOAD      (8 + SNAP_PAGE)

#define FAIL(...) do { if (err) cv_snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

uint64_t snap_fnv1a(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ---- writing ---- */

static void out(struct snap_writer *w, const void *buf, size_t len)
{
	w->hash = snap_fnv1a(w->hash, buf, len);
	w->written += len;
	w->emit(w->ctx, buf, len);
}

static void out32(struct snap_writer *w, uint32_t v) { out(w, &v, 4); }
static void out64(struct snap_writer *w, uint64_t v) { out(w, &v, 8); }

void snap_begin(struct snap_writer *w, snap_emit_fn emit, void *ctx, const struct snap_header *h)
{
	char name[SNAP_NAME_MAX] = { 0 };

	*w = (struct snap_writer){ .emit = emit, .ctx = ctx, .hash = SNAP_FNV_INIT };
	memcpy(name, h->name, strnlen(h->name, SNAP_NAME_MAX - 1));
	out(w, SNAP_MAGIC, 8);
	out32(w, SNAP_VERSION);
	out32(w, SNAP_HEADER_SIZE);
	out64(w, h->ram_bytes);
	out32(w, h->nvcpus);
	out32(w, h->guest_tsc_khz);
	out64(w, h->host_ns);
	out64(w, h->ref_tsc);
	out(w, name, sizeof(name));
}

bool snap_page(struct snap_writer *w, uint64_t gpa, const uint8_t *page)
{
	const uint64_t *q = (const uint64_t *)(const void *)page;
	size_t i = 0;

	while (i < SNAP_PAGE / 8 && !q[i])
		i++;
	if (i == SNAP_PAGE / 8)
		return false;
	snap_section(w, SNAP_SEC_RAM, 0, RAM_PAYLOAD);
	out64(w, gpa);
	out(w, page, SNAP_PAGE);
	w->in_section = false;
	return true;
}

void snap_section(struct snap_writer *w, enum snap_section type, uint32_t index, uint64_t payload)
{
	out32(w, (uint32_t)type);
	out32(w, index);
	out64(w, payload);
	w->in_section = type != SNAP_SEC_RAM;
	w->section_left = payload;
}

void snap_record(struct snap_writer *w, uint32_t key, const void *data, uint32_t len)
{
	out32(w, key);
	out32(w, len);
	out(w, data, len);
	w->section_left -= snap_record_size(len);
}

uint64_t snap_end(struct snap_writer *w)
{
	uint64_t total = w->written + SNAP_TRAILER_SIZE;

	out32(w, SNAP_SEC_END);
	out32(w, 0);
	out64(w, 16);
	out64(w, total);
	uint64_t h = w->hash;        /* every byte before the checksum field */
	w->emit(w->ctx, &h, 8);
	w->written += 8;
	return total;
}

/* ---- reading ---- */

static bool key_known(uint32_t key)
{
	return key < SNAP_KEY_PRIVATE || (key > SNAP_KEY_PRIVATE && key <= SNAP_KEY_MSRS) ||
	       (key & SNAP_KEY_OPTIONAL);
}

static int check_records(const uint8_t *p, uint64_t len, const char *what, uint32_t index,
			 char *err, size_t errlen)
{
	uint64_t off = 0;

	while (off < len) {
		if (len - off < 8)
			FAIL("image: %s %u: a record header runs past its section", what, index);
		uint32_t key = rd32(p + off), rlen = rd32(p + off + 4);
		if (rlen > SNAP_RECORD_MAX || rlen > len - off - 8)
			FAIL("image: %s %u: record %#x of %u bytes runs past its section", what, index,
			     key, rlen);
		if (!key_known(key))
			FAIL("image: %s %u: unknown record %#x (written by a newer chronovisor?)",
			     what, index, key);
		off += 8 + (uint64_t)rlen;
	}
	return 0;
}

int snap_open(struct snap_image *img, const uint8_t *data, uint64_t len, char *err, size_t errlen)
{
	*img = (struct snap_image){ .data = data, .len = len };
	if (!data || len < SNAP_HEADER_SIZE + SNAP_TRAILER_SIZE)
		FAIL("image of %lu bytes: too short to be a chronovisor VM image", (unsigned long)len);
	if (memcmp(data, SNAP_MAGIC, 8) != 0)
		FAIL("not a chronovisor VM image (no \"CVSNAP\" magic)");
	uint32_t version = rd32(data + 8);
	if (version != SNAP_VERSION)
		FAIL("image format version %u; this chronovisor reads version %u", version, SNAP_VERSION);
	if (rd32(data + 12) != SNAP_HEADER_SIZE)
		FAIL("image header of %u bytes; version %u has %u", rd32(data + 12), SNAP_VERSION,
		     SNAP_HEADER_SIZE);

	/* The trailer first: a truncated or corrupted image stops here. */
	const uint8_t *t = data + len - SNAP_TRAILER_SIZE;
	if (rd32(t) != SNAP_SEC_END || rd32(t + 4) != 0 || rd64(t + 8) != 16)
		FAIL("image has no trailer at its end: truncated or padded (%lu bytes)",
		     (unsigned long)len);
	if (rd64(t + 16) != len)
		FAIL("image is %lu bytes, its trailer says %lu: truncated or padded",
		     (unsigned long)len, (unsigned long)rd64(t + 16));
	uint64_t want = rd64(t + 24), got = snap_fnv1a(SNAP_FNV_INIT, data, len - 8);
	if (want != got)
		FAIL("image checksum mismatch (stored %#lx, computed %#lx): the image is corrupt",
		     (unsigned long)want, (unsigned long)got);

	struct snap_header *h = &img->h;
	h->ram_bytes = rd64(data + 16);
	h->nvcpus = rd32(data + 24);
	h->guest_tsc_khz = rd32(data + 28);
	h->host_ns = rd64(data + 32);
	h->ref_tsc = rd64(data + 40);
	memcpy(h->name, data + 48, SNAP_NAME_MAX);
	h->name[SNAP_NAME_MAX - 1] = 0;
	if (!h->ram_bytes || h->ram_bytes % SNAP_PAGE || h->ram_bytes > SNAP_RAM_MAX)
		FAIL("image: RAM size %lu is not a positive multiple of 4 KiB up to 64 GiB",
		     (unsigned long)h->ram_bytes);
	if (!h->nvcpus || h->nvcpus > SNAP_MAX_VCPUS)
		FAIL("image: %u vCPUs (1..%u)", h->nvcpus, SNAP_MAX_VCPUS);
	if (!h->guest_tsc_khz)
		FAIL("image: guest TSC frequency 0 kHz");

	uint64_t seen[(SNAP_MAX_VCPUS + 63) / 64] = { 0 };
	uint32_t nseen = 0;
	uint64_t off = SNAP_HEADER_SIZE, end = len - SNAP_TRAILER_SIZE;
	while (off < end) {
		if (end - off < SNAP_SECTION_HDR)
			FAIL("image: a section header at %lu runs into the trailer", (unsigned long)off);
		uint32_t type = rd32(data + off), index = rd32(data + off + 4);
		uint64_t plen = rd64(data + off + 8);
		const uint8_t *p = data + off + SNAP_SECTION_HDR;
		if (plen > end - off - SNAP_SECTION_HDR)
			FAIL("image: section %u at %lu runs past the end", type, (unsigned long)off);
		switch (type) {
		case SNAP_SEC_RAM: {
			uint64_t gpa = plen == RAM_PAYLOAD ? rd64(p) : 1;
			if (plen != RAM_PAYLOAD || gpa % SNAP_PAGE || gpa >= h->ram_bytes)
				FAIL("image: bad RAM page section at %lu (gpa %#lx, %lu bytes)",
				     (unsigned long)off, (unsigned long)gpa, (unsigned long)plen);
			img->npages++;
			break;
		}
		case SNAP_SEC_VCPU:
			if (index >= h->nvcpus || (seen[index / 64] >> (index % 64)) & 1)
				FAIL("image: vCPU section %u (of %u vCPUs) out of range or repeated",
				     index, h->nvcpus);
			seen[index / 64] |= 1ULL << (index % 64);
			nseen++;
			if (check_records(p, plen, "vCPU", index, err, errlen))
				return -1;
			break;
		case SNAP_SEC_VM:
			if (check_records(p, plen, "VM section", index, err, errlen))
				return -1;
			break;
		default:
			FAIL("image: unknown section type %#x at %lu", type, (unsigned long)off);
		}
		off += SNAP_SECTION_HDR + plen;
	}
	if (nseen != h->nvcpus)
		FAIL("image: %u vCPU sections for %u vCPUs", nseen, h->nvcpus);
	img->vcpu_sections = nseen;
	return 0;
}

int snap_locate(const uint8_t *data, uint64_t len, uint32_t n, uint64_t *off, uint64_t *img_len,
		char *err, size_t errlen)
{
	uint64_t at = 0;

	for (uint32_t k = 0;; k++) {
		if (len - at < SNAP_HEADER_SIZE + SNAP_TRAILER_SIZE || memcmp(data + at, SNAP_MAGIC, 8))
			FAIL("image %u: not found (the file holds %u image(s))", n, k);
		uint64_t p = at + SNAP_HEADER_SIZE;
		for (;;) {
			if (len - p < SNAP_SECTION_HDR)
				FAIL("image %u: a section header runs past the end of the file (truncated?)", k);
			uint32_t type = rd32(data + p);
			uint64_t plen = rd64(data + p + 8);
			if (plen > len - p - SNAP_SECTION_HDR)
				FAIL("image %u: a section runs past the end of the file (truncated?)", k);
			p += SNAP_SECTION_HDR + plen;
			if (type == SNAP_SEC_END)
				break;
		}
		if (k == n) {
			*off = at;
			*img_len = p - at;
			return 0;
		}
		at = p;
	}
}

bool snap_next_section(const struct snap_image *img, uint64_t *off, struct snap_section_view *s)
{
	if (*off < SNAP_HEADER_SIZE)
		*off = SNAP_HEADER_SIZE;
	if (*off >= img->len - SNAP_TRAILER_SIZE)
		return false;
	const uint8_t *q = img->data + *off;
	*s = (struct snap_section_view){ .type = rd32(q), .index = rd32(q + 4),
					 .payload = q + SNAP_SECTION_HDR, .len = rd64(q + 8) };
	*off += SNAP_SECTION_HDR + s->len;
	return true;
}

const uint8_t *snap_find_record(const struct snap_section_view *s, uint32_t key, uint32_t *len)
{
	uint64_t off = 0;

	while (off + 8 <= s->len) {
		uint32_t k = rd32(s->payload + off), l = rd32(s->payload + off + 4);
		if (k == key) {
			*len = l;
			return s->payload + off + 8;
		}
		off += 8 + (uint64_t)l;
	}
	return NULL;
}
