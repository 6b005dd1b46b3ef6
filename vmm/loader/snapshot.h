/*
 * vmm/loader/snapshot.h - the VM image format of save and restore: writing it
 * as a byte stream and checking and reading it back.
 *
 * Context: pure C, kernel and host unit tests (tests/unit/test_snapshot.c).
 * An image arrives as a boot module on another machine: hostile input. Every
 * length is checked; a corrupt, truncated or foreign image is refused with a
 * message that names what is wrong, before anything is restored.
 *
 * Layout (all little-endian), written front to back so that it can leave the
 * machine through a port one byte at a time, the checksum last:
 *
 *   header   "CVSNAP\r\n" (8), u32 version, u32 header bytes (SNAP_HEADER_SIZE),
 *            u64 ram bytes, u32 vCPUs, u32 guest TSC kHz, u64 host time of the
 *            save (ns since that host booted: only for downtime=advance),
 *            u64 save instant's reference TSC, char name[24]
 *   section  u32 type, u32 index (the vCPU for SNAP_SEC_VCPU), u64 payload bytes,
 *            payload; repeated
 *     SNAP_SEC_RAM    u64 gpa, 4096 bytes: one page that is not all zero; a
 *                     section per page (pages not listed are zero)
 *     SNAP_SEC_VCPU   records: u32 key, u32 bytes, bytes (see SNAP_KEY_*); a
 *                     reader skips keys it does not know only if they are in
 *                     the "optional" range
 *     SNAP_SEC_VM     records, VM-wide (devices)
 *   trailer  u32 SNAP_SEC_END, u32 0, u64 16, u64 total image bytes including
 *            the trailer, u64 FNV-1a 64 of every byte before this field
 */
#ifndef CV_SNAPSHOT_H
#define CV_SNAPSHOT_H

#include "lib/types.h"

#define SNAP_MAGIC            "CVSNAP\r\n"
#define SNAP_VERSION          1
#define SNAP_HEADER_SIZE      72
#define SNAP_NAME_MAX         24
#define SNAP_PAGE             4096
#define SNAP_SECTION_HDR      16
#define SNAP_TRAILER_SIZE     32
#define SNAP_MAX_VCPUS        64
#define SNAP_RECORD_MAX       8192          /* the largest record (an XSAVE area) */

enum snap_section {
	SNAP_SEC_RAM = 1,
	SNAP_SEC_VCPU = 2,
	SNAP_SEC_VM = 3,
	SNAP_SEC_END = 0x454E4421,           /* "!DNE" */
};

/* Record keys. Below 0x10000: a VMCS field encoding (SDM Vol. 3D, "Field
 * Encoding in VMCS"), the value as 8 bytes. From SNAP_KEY_PRIVATE: ours.
 * From SNAP_KEY_OPTIONAL: a reader that does not know the key skips it; any
 * other unknown key refuses the image (it would restore something wrong). */
#define SNAP_KEY_PRIVATE      0x10000u
#define SNAP_KEY_GPRS         (SNAP_KEY_PRIVATE + 1)   /* 16 x u64, rax..r15 order of guest_regs */
#define SNAP_KEY_CR2          (SNAP_KEY_PRIVATE + 2)
#define SNAP_KEY_GUEST_TSC    (SNAP_KEY_PRIVATE + 3)   /* the vCPU's TSC at the save instant */
#define SNAP_KEY_XSAVE        (SNAP_KEY_PRIVATE + 4)   /* the XSAVE/FXSAVE area, as saved */
#define SNAP_KEY_XCR0         (SNAP_KEY_PRIVATE + 5)
#define SNAP_KEY_LAPIC        (SNAP_KEY_PRIVATE + 6)   /* the vLAPIC register state */
#define SNAP_KEY_LAPIC_TIMER  (SNAP_KEY_PRIVATE + 7)   /* armed deadline in guest TSC, mode */
#define SNAP_KEY_EVENTS       (SNAP_KEY_PRIVATE + 8)   /* pending events */
#define SNAP_KEY_MSRS         (SNAP_KEY_PRIVATE + 9)   /* the travelling MSRs, in vmm/run.c's order */
#define SNAP_KEY_COUNTERS     (SNAP_KEY_PRIVATE + 10)  /* struct hc_counters (used | OPTIONAL) */
#define SNAP_KEY_OPTIONAL     0x80000000u

/* ---- writing: a stream of bytes through emit(ctx, buf, len) ---- */
typedef void (*snap_emit_fn)(void *ctx, const void *buf, size_t len);

struct snap_writer {
	snap_emit_fn emit;
	void *ctx;
	uint64_t written;            /* bytes emitted so far */
	uint64_t hash;               /* FNV-1a 64 of them */
	bool in_section;
	uint64_t section_left;       /* payload bytes the open section still expects */
};

struct snap_header {
	uint64_t ram_bytes;
	uint32_t nvcpus;
	uint32_t guest_tsc_khz;
	uint64_t host_ns;
	uint64_t ref_tsc;
	char name[SNAP_NAME_MAX];
};

void snap_begin(struct snap_writer *w, snap_emit_fn emit, void *ctx, const struct snap_header *h);
/* A page: emitted only if it is not all zero; returns whether it was. */
bool snap_page(struct snap_writer *w, uint64_t gpa, const uint8_t *page);
/* A section of records: open it with the sum of its records' sizes
 * (8 + bytes each), then one snap_record per record. */
void snap_section(struct snap_writer *w, enum snap_section type, uint32_t index, uint64_t payload);
void snap_record(struct snap_writer *w, uint32_t key, const void *data, uint32_t len);
static inline uint64_t snap_record_size(uint32_t len) { return 8 + (uint64_t)len; }
/* The trailer; returns the image's total size. */
uint64_t snap_end(struct snap_writer *w);

/* ---- reading ---- */
struct snap_image {
	const uint8_t *data;
	uint64_t len;
	struct snap_header h;
	uint64_t npages;             /* RAM sections */
	uint32_t vcpu_sections;      /* bitmap-free count: one per vCPU, checked */
};

/* Check everything: magic, version, header, every section's bounds and type,
 * RAM pages inside ram_bytes and 4 KiB aligned, one VCPU section per vCPU
 * index < nvcpus, record bounds, unknown mandatory keys, the trailer's length
 * and checksum. 0, or -1 with the reason in err. */
int snap_open(struct snap_image *img, const uint8_t *data, uint64_t len, char *err, size_t errlen);

/* Walk the sections of an opened image: *off starts at 0; returns false at
 * the end. */
struct snap_section_view {
	uint32_t type, index;
	const uint8_t *payload;
	uint64_t len;
};
bool snap_next_section(const struct snap_image *img, uint64_t *off, struct snap_section_view *s);

/* Find record key in a VCPU or VM section's payload: its bytes and length,
 * or NULL. */
const uint8_t *snap_find_record(const struct snap_section_view *s, uint32_t key, uint32_t *len);

/* Images written back to back (several VMs saved in one boot): find image n
 * (0 = the first). Each image before it is walked header, sections and
 * trailer, with every length checked; its checksum is not (snap_open checks
 * the one picked). 0 and the image's [*off, *off + *img_len), or -1. */
int snap_locate(const uint8_t *data, uint64_t len, uint32_t n, uint64_t *off, uint64_t *img_len,
		char *err, size_t errlen);

/* FNV-1a 64, exported for the tests. */
uint64_t snap_fnv1a(uint64_t h, const void *buf, size_t len);
#define SNAP_FNV_INIT 0xCBF29CE484222325ULL

#endif
