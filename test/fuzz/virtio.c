/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/virtio.c - Split virtqueue access over hostile guest memory
 *
 * The input is the guest: its memory holds the available ring, the
 * descriptor table, indirect tables and buffers, all as the input writes
 * them; virtio.c is the device taking chains until none is left or the ring
 * breaks.
 *
 * Input: 8 header bytes, then guest memory.
 *   byte 0	queue size 2^(bits 0-3 mod 9), 1 to 256; bit 4
 *		VIRTIO_F_INDIRECT_DESC, bit 5 VIRTIO_F_EVENT_IDX, bit 6 give
 *		back every third chain with virtq_unpop() and take it again,
 *		bit 7 write into writable segments (the guest memory changes
 *		under the walk, as a racing guest would make it)
 *   bytes 1-2	SET_VRING_BASE index (le16)
 *   bytes 3-4	used ring index the driver left (le16)
 *   byte 5	byte written into writable segments
 *   bytes 6-7	reserved
 * Memory: region A (guest-physical 0x0, 8 KiB) from the input's bytes 8
 * on, then region B (0x2000, 4 KiB, adjacent to A, elsewhere here) from the
 * next bytes; the rest is zero. The available ring is at A + 0, the
 * descriptor table at A + 0x210 (16 * size bytes, just past the largest
 * available ring), the used ring in a third region C (0x10000) the input
 * does not write. Seeds: test/fuzz/seeds.py, virtio_seeds().
 *
 * Invariants, beyond the sanitizers:
 *   every segment is non-empty and lies wholly inside region A, B or C;
 *   at most VIRTQ_ELEM_IOV_MAX segments per direction;
 *   without writes, no more chains are taken than the queue size;
 *   a pop after -EIO returns -EIO again and the queue says why;
 *   -E2BIG leaves the queue usable and the element empty;
 *   a chain given back with virtq_unpop() comes back with the same head
 *   and segments (without writes);
 *   virtq_peek_avail() > 0 means the next pop does not return 0;
 *   virtq_get_base() is where the pops stopped.
 */

#include <endian.h>
#include <errno.h>

#include "fuzz.h"
#include "virtio.h"

#define FUZZ_VQ_HDR_BYTES	8
#define FUZZ_VQ_A_GPA		0x0ULL
#define FUZZ_VQ_A_BYTES		8192
#define FUZZ_VQ_B_GPA		(FUZZ_VQ_A_GPA + FUZZ_VQ_A_BYTES)
#define FUZZ_VQ_B_BYTES		4096
#define FUZZ_VQ_C_GPA		0x10000ULL
#define FUZZ_VQ_C_BYTES		4096
#define FUZZ_VQ_UVA_OFF		0x7f0000000000ULL	/* uva = gpa + this */
#define FUZZ_VQ_AVAIL_OFF	0x0
#define FUZZ_VQ_DESC_OFF	0x210	/* past the largest avail ring */
#define FUZZ_VQ_SIZE_LOG_MAX	8		/* 256 descriptors */

static _Alignas(4096) uint8_t fuzz_vq_a[FUZZ_VQ_A_BYTES];
static _Alignas(4096) uint8_t fuzz_vq_b[FUZZ_VQ_B_BYTES];
static _Alignas(4096) uint8_t fuzz_vq_c[FUZZ_VQ_C_BYTES];

/**
 * LLVMFuzzerInitialize() - One-time set-up
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	return 0;
}

/**
 * fuzz_vq_in() - Does a range lie wholly inside one buffer?
 * @p:		Start of the range
 * @n:		Length, bytes
 * @buf:	Buffer
 * @len:	Its length
 *
 * Return: true if inside
 */
static bool fuzz_vq_in(uintptr_t p, uintptr_t n, const uint8_t *buf,
		       uintptr_t len)
{
	uintptr_t b = (uintptr_t)buf;

	return p >= b && p - b < len && n <= len - (p - b);
}

/**
 * fuzz_vq_inside() - Does a segment lie wholly inside one region here?
 * @iov:	Segment
 *
 * Return: true if not empty and inside region A, B or C
 */
static bool fuzz_vq_inside(const struct iovec *iov)
{
	uintptr_t p = (uintptr_t)iov->iov_base, n = iov->iov_len;

	return n && (fuzz_vq_in(p, n, fuzz_vq_a, FUZZ_VQ_A_BYTES) ||
		     fuzz_vq_in(p, n, fuzz_vq_b, FUZZ_VQ_B_BYTES) ||
		     fuzz_vq_in(p, n, fuzz_vq_c, FUZZ_VQ_C_BYTES));
}

/**
 * fuzz_vq_fail() - Report a broken invariant and abort
 * @what:	Which one
 */
__attribute__((noreturn)) static void fuzz_vq_fail(const char *what)
{
	fprintf(stderr, "fuzz: virtio: %s\n", what);
	abort();
}

/**
 * fuzz_vq_check_elem() - Check a taken chain, touch every byte of it
 * @e:		Chain from virtq_pop() returning 1
 * @write:	Write @pattern into the writable segments
 * @pattern:	Byte to write
 *
 * Return: bytes in the writable segments (the used length to report)
 */
static uint32_t fuzz_vq_check_elem(const struct virtq_elem *e, bool write,
				   uint8_t pattern)
{
	static volatile uint8_t sink;
	uint64_t in_bytes = 0;
	unsigned int i;
	size_t j;

	if (e->out_num > VIRTQ_ELEM_IOV_MAX || e->in_num > VIRTQ_ELEM_IOV_MAX)
		fuzz_vq_fail("more segments than VIRTQ_ELEM_IOV_MAX");
	for (i = 0; i < e->out_num; i++) {
		const uint8_t *p = e->out[i].iov_base;

		if (!fuzz_vq_inside(&e->out[i]))
			fuzz_vq_fail("readable segment outside guest memory");
		for (j = 0; j < e->out[i].iov_len; j++)
			sink = sink ^ p[j];
	}
	for (i = 0; i < e->in_num; i++) {
		if (!fuzz_vq_inside(&e->in[i]))
			fuzz_vq_fail("writable segment outside guest memory");
		if (write)
			memset(e->in[i].iov_base, pattern, e->in[i].iov_len);
		in_bytes += e->in[i].iov_len;
	}
	return in_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)in_bytes;
}

/**
 * fuzz_vq_same() - Are two pops of the same chain equal?
 * @a:		First
 * @b:		Second
 *
 * Return: true if head and segments match
 */
static bool fuzz_vq_same(const struct virtq_elem *a,
			 const struct virtq_elem *b)
{
	unsigned int i;

	if (a->head != b->head || a->out_num != b->out_num ||
	    a->in_num != b->in_num)
		return false;
	for (i = 0; i < a->out_num; i++)
		if (a->out[i].iov_base != b->out[i].iov_base ||
		    a->out[i].iov_len != b->out[i].iov_len)
			return false;
	for (i = 0; i < a->in_num; i++)
		if (a->in[i].iov_base != b->in[i].iov_base ||
		    a->in[i].iov_len != b->in[i].iov_len)
			return false;
	return true;
}

/**
 * fuzz_vq_load() - Lay the input out as guest memory, set the queue up
 * @data:	Input after the header
 * @size:	Its bytes
 * @mem:	Memory table to fill
 * @used_idx:	Used index the driver left
 */
static void fuzz_vq_load(const uint8_t *data, size_t size, struct vu_mem *mem,
			 uint16_t used_idx)
{
	size_t n;

	memset(fuzz_vq_a, 0, sizeof(fuzz_vq_a));
	memset(fuzz_vq_b, 0, sizeof(fuzz_vq_b));
	memset(fuzz_vq_c, 0, sizeof(fuzz_vq_c));
	n = size < FUZZ_VQ_A_BYTES ? size : FUZZ_VQ_A_BYTES;
	memcpy(fuzz_vq_a, data, n);
	data += n;
	size -= n;
	n = size < FUZZ_VQ_B_BYTES ? size : FUZZ_VQ_B_BYTES;
	memcpy(fuzz_vq_b, data, n);

	used_idx = htole16(used_idx);
	memcpy(fuzz_vq_c + 2, &used_idx, sizeof(used_idx));

	vu_mem_init(mem);
	if (vu_mem_add(mem, FUZZ_VQ_A_GPA, FUZZ_VQ_A_BYTES,
		       FUZZ_VQ_A_GPA + FUZZ_VQ_UVA_OFF, fuzz_vq_a) ||
	    vu_mem_add(mem, FUZZ_VQ_B_GPA, FUZZ_VQ_B_BYTES,
		       FUZZ_VQ_B_GPA + FUZZ_VQ_UVA_OFF, fuzz_vq_b) ||
	    vu_mem_add(mem, FUZZ_VQ_C_GPA, FUZZ_VQ_C_BYTES,
		       FUZZ_VQ_C_GPA + FUZZ_VQ_UVA_OFF, fuzz_vq_c))
		fuzz_vq_fail("vu_mem_add() refused a valid region");
}

/**
 * LLVMFuzzerTestOneInput() - Take every chain the input offers
 * @data:	Header, then guest memory
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq_elem e, again;
	unsigned int qsize, step, taken = 0;
	bool unpop, write;
	static struct vu_mem mem;
	static struct virtq q;
	uint64_t features = 0;
	uint16_t base;
	int rc, peek;

	if (size < FUZZ_VQ_HDR_BYTES)
		return 0;
	qsize = 1U << ((data[0] & 0xf) % (FUZZ_VQ_SIZE_LOG_MAX + 1));
	if (data[0] & 0x10)
		features |= 1ULL << VIRTQ_F_INDIRECT_DESC;
	if (data[0] & 0x20)
		features |= 1ULL << VIRTQ_F_EVENT_IDX;
	unpop = data[0] & 0x40;
	write = data[0] & 0x80;
	base = (uint16_t)(data[1] | data[2] << 8);

	fuzz_vq_load(data + FUZZ_VQ_HDR_BYTES, size - FUZZ_VQ_HDR_BYTES, &mem,
		     (uint16_t)(data[3] | data[4] << 8));
	virtq_init(&q);
	virtq_set_features(&q, features);
	virtq_set_enabled(&q, true);
	if (virtq_setup(&q, &mem, qsize,
			FUZZ_VQ_DESC_OFF + FUZZ_VQ_A_GPA + FUZZ_VQ_UVA_OFF,
			FUZZ_VQ_AVAIL_OFF + FUZZ_VQ_A_GPA + FUZZ_VQ_UVA_OFF,
			FUZZ_VQ_C_GPA + FUZZ_VQ_UVA_OFF, base))
		fuzz_vq_fail("virtq_setup() refused a valid layout");
	virtq_disable_kicks(&q);

	/* Each step takes a chain or ends: a broken queue or an empty one */
	for (step = 0; step < 4 * qsize + 4; step++) {
		peek = virtq_peek_avail(&q);
		rc = virtq_pop(&q, &mem, &e);

		if (peek > 0 && rc == 0)
			fuzz_vq_fail("chains available but none taken");
		if (rc == -EIO) {
			if (!virtq_is_broken(&q) ||
			    q.broken_why == VIRTQ_ERR_NONE ||
			    q.broken_why == VIRTQ_ERR_SEGMENTS)
				fuzz_vq_fail("-EIO without a reason");
			if (virtq_pop(&q, &mem, &e) != -EIO ||
			    virtq_peek_avail(&q) != -EIO ||
			    virtq_push(&q, &e, 0) != -EIO)
				fuzz_vq_fail("broken queue not sticky");
			break;
		}
		if (rc == -E2BIG) {
			if (virtq_is_broken(&q) || e.out_num || e.in_num)
				fuzz_vq_fail("-E2BIG broke queue or mapped");
			if (virtq_push(&q, &e, 0))
				fuzz_vq_fail("-E2BIG chain not given back");
			taken++;
			continue;
		}
		if (rc == 0)
			break;
		if (rc != 1)
			fuzz_vq_fail("virtq_pop() returned an unknown value");

		if (unpop && !write && step % 3 == 2) {
			if (virtq_unpop(&q, 1) ||
			    virtq_pop(&q, &mem, &again) != 1 ||
			    !fuzz_vq_same(&e, &again))
				fuzz_vq_fail("unpopped chain came back changed");
		}
		if (virtq_push(&q, &e, fuzz_vq_check_elem(&e, write, data[5])))
			fuzz_vq_fail("virtq_push() refused a taken chain");
		taken++;
		if (step % 4 == 3) {
			(void)virtq_need_notify(&q);
			(void)virtq_enable_kicks_and_check(&q);
			virtq_disable_kicks(&q);
		}
	}

	if (!write && taken > qsize)
		fuzz_vq_fail("more chains taken than the queue size");
	if (virtq_get_base(&q) != (uint16_t)(base + taken))
		fuzz_vq_fail("base is not where the pops stopped");
	if (virtq_pop(&q, &mem, &e) != (q.broken ? -EIO : 0))
		fuzz_vq_fail("stopped queue still pops");
	return 0;
}
