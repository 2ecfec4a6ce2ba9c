/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/unit/virtio.c - Split virtqueues: the test is the driver, virtio.c
 * the device. Guest memory is two static arrays at fake guest-physical and
 * front-end addresses, adjacent in guest-physical space (so that a buffer
 * across them is representable) but not in ours.
 */

#include <endian.h>
#include <errno.h>
#include <stdint.h>

#include "unit.h"
#include "virtio.h"

#define R0_GPA		0x100000ULL		/* region 0: rings, buffers */
#define R0_UVA		0x7f0000000000ULL
#define R0_BYTES	(64 * 1024)
#define R1_GPA		(R0_GPA + R0_BYTES)	/* region 1: adjacent */
#define R1_UVA		0x7f1000000000ULL
#define R1_BYTES	(16 * 1024)

#define DESC_OFF	0x0000			/* ring offsets in region 0 */
#define AVAIL_OFF	0x2000
#define USED_OFF	0x3000
#define BUF_OFF		0x8000			/* buffers from here */

#define FEAT_INDIRECT	(1ULL << VIRTQ_F_INDIRECT_DESC)
#define FEAT_EVENT_IDX	(1ULL << VIRTQ_F_EVENT_IDX)

static _Alignas(4096) uint8_t r0[R0_BYTES];
static _Alignas(4096) uint8_t r1[R1_BYTES];
static struct vu_mem mem;
static struct virtq q;
static struct virtq_elem e;
static unsigned int qsize;
static uint16_t drv_avail;	/* driver's available index */

static struct virtq_desc *desc_tab(void)
{
	return (struct virtq_desc *)(void *)(r0 + DESC_OFF);
}

static struct virtq_avail *avail(void)
{
	return (struct virtq_avail *)(void *)(r0 + AVAIL_OFF);
}

static struct virtq_used *used(void)
{
	return (struct virtq_used *)(void *)(r0 + USED_OFF);
}

static uint16_t *used_event(void)
{
	return &avail()->ring[qsize];
}

static uint16_t *avail_event(void)
{
	return (uint16_t *)(void *)&used()->ring[qsize];
}

/* Start over: empty memory, queue of @num set up at @base, used idx @uidx */
static int drv_reset_at(unsigned int num, uint64_t features, uint16_t base,
			uint16_t uidx)
{
	memset(r0, 0, sizeof(r0));
	memset(r1, 0, sizeof(r1));
	vu_mem_init(&mem);
	vu_mem_add(&mem, R0_GPA, R0_BYTES, R0_UVA, r0);
	vu_mem_add(&mem, R1_GPA, R1_BYTES, R1_UVA, r1);
	qsize = num;
	drv_avail = base;
	avail()->idx = htole16(base);
	used()->idx = htole16(uidx);
	virtq_init(&q);
	virtq_set_features(&q, features);
	return virtq_setup(&q, &mem, num, R0_UVA + DESC_OFF,
			   R0_UVA + AVAIL_OFF, R0_UVA + USED_OFF, base);
}

static int drv_reset(unsigned int num, uint64_t features)
{
	return drv_reset_at(num, features, 0, 0);
}

/* Write descriptor @i of the table at @tab */
static void drv_desc_in(struct virtq_desc *tab, unsigned int i, uint64_t gpa,
			uint32_t len, uint16_t flags, uint16_t next)
{
	tab[i].addr = htole64(gpa);
	tab[i].len = htole32(len);
	tab[i].flags = htole16(flags);
	tab[i].next = htole16(next);
}

static void drv_desc(unsigned int i, uint64_t gpa, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	drv_desc_in(desc_tab(), i, gpa, len, flags, next);
}

/* Offer the chain at @head */
static void drv_offer(uint16_t head)
{
	avail()->ring[drv_avail & (qsize - 1)] = htole16(head);
	drv_avail++;
	avail()->idx = htole16(drv_avail);
}

static uint64_t buf_gpa(unsigned int n)
{
	return R0_GPA + BUF_OFF + n * 0x100ULL;
}

static void *buf_host(unsigned int n)
{
	return r0 + BUF_OFF + n * 0x100;
}

UNIT_TEST(mem_translates_ranges_inside_one_region_only)
{
	drv_reset(16, 0);
	CHECK(vu_mem_gpa(&mem, R0_GPA, 1) == r0);
	CHECK(vu_mem_gpa(&mem, R0_GPA, R0_BYTES) == r0);
	CHECK(vu_mem_gpa(&mem, R0_GPA + R0_BYTES - 4, 4) ==
	      r0 + R0_BYTES - 4);
	CHECK(!vu_mem_gpa(&mem, R0_GPA - 1, 1));		/* before */
	CHECK(!vu_mem_gpa(&mem, R0_GPA, R0_BYTES + 1));	/* past end */
	CHECK(vu_mem_gpa(&mem, R1_GPA, R1_BYTES) == r1);
	CHECK(!vu_mem_gpa(&mem, R1_GPA + R1_BYTES, 1));
	/* adjacent in guest-physical space, still refused across */
	CHECK(!vu_mem_gpa(&mem, R1_GPA - 8, 16));
	CHECK(vu_mem_uva(&mem, R0_UVA + 16, 16) == r0 + 16);
	CHECK(vu_mem_uva(&mem, R1_UVA, 1) == r1);
	CHECK(!vu_mem_uva(&mem, R0_GPA, 1));		/* gpa is no uva */
	CHECK(!vu_mem_gpa(&mem, R0_UVA, 1));
}

UNIT_TEST(mem_refuses_zero_length_and_wrapping_ranges)
{
	drv_reset(16, 0);
	CHECK(!vu_mem_gpa(&mem, R0_GPA, 0));
	CHECK(!vu_mem_uva(&mem, R0_UVA, 0));
	CHECK(!vu_mem_gpa(&mem, UINT64_MAX - 1, 4));
	CHECK(!vu_mem_gpa(&mem, R0_GPA + 8, UINT64_MAX));
	CHECK(!vu_mem_gpa(&mem, R0_GPA + R0_BYTES - 1, UINT64_MAX - 2));
	CHECK(!vu_mem_uva(&mem, R0_UVA + 1, UINT64_MAX));
}

UNIT_TEST(mem_add_refuses_empty_wrapping_and_too_many_regions)
{
	struct vu_mem m;
	unsigned int i;

	vu_mem_init(&m);
	CHECK_EQ(vu_mem_add(&m, 0, 0, 0, r0), -EINVAL);
	CHECK_EQ(vu_mem_add(&m, UINT64_MAX - 7, 16, 0, r0), -EINVAL);
	CHECK_EQ(vu_mem_add(&m, 0, 16, UINT64_MAX, r0), -EINVAL);
	CHECK_EQ(vu_mem_add(&m, 0, 16, 0, NULL), -EINVAL);
	CHECK_EQ(vu_mem_add(&m, UINT64_MAX - 15, 16, 0, r0), 0);
	CHECK(vu_mem_gpa(&m, UINT64_MAX, 1) == r0 + 15);
	for (i = 1; i < VU_MEM_REGIONS_MAX; i++)
		CHECK_EQ(vu_mem_add(&m, i * 4096ULL, 16, 0, r0), 0);
	CHECK_EQ(vu_mem_add(&m, 1ULL << 40, 16, 0, r0), -ENOSPC);
	CHECK_EQ(m.n, VU_MEM_REGIONS_MAX);
}

UNIT_TEST(setup_refuses_bad_sizes)
{
	CHECK_EQ(drv_reset(0, 0), -EINVAL);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_SIZE);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(drv_reset(3, 0), -EINVAL);
	CHECK_EQ(drv_reset(VIRTQ_SIZE_MAX * 2, 0), -EINVAL);
	CHECK_EQ(drv_reset(1, 0), 0);
	CHECK_EQ(drv_reset(256, 0), 0);
	CHECK(!virtq_is_broken(&q));
}

UNIT_TEST(setup_refuses_misaligned_or_unmapped_rings)
{
	drv_reset(16, 0);
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA + 8, R0_UVA + AVAIL_OFF,
			     R0_UVA + USED_OFF, 0), -EINVAL);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_RING_ALIGN);
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA, R0_UVA + AVAIL_OFF + 1,
			     R0_UVA + USED_OFF, 0), -EINVAL);
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA, R0_UVA + AVAIL_OFF,
			     R0_UVA + USED_OFF + 2, 0), -EINVAL);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_RING_ALIGN);
	/* used ring of 4 + 8 * 16 + 2 bytes: avail_event past region 0 */
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA, R0_UVA + AVAIL_OFF,
			     R0_UVA + R0_BYTES - 132, 0), -EINVAL);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_RING_ADDR);
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA, R0_UVA + AVAIL_OFF,
			     R0_UVA + R0_BYTES - 136, 0), 0);
	/* available ring of 4 + 2 * 16 + 2 bytes: used_event past it */
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA, R0_UVA + R0_BYTES - 36,
			     R0_UVA + USED_OFF, 0), -EINVAL);
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_UVA, R0_UVA + R0_BYTES - 38,
			     R0_UVA + USED_OFF, 0), 0);
	/* descriptor table in no region */
	CHECK_EQ(virtq_setup(&q, &mem, 16, R0_GPA, R0_UVA + AVAIL_OFF,
			     R0_UVA + USED_OFF, 0), -EINVAL);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_RING_ADDR);
	CHECK(q.err[VIRTQ_ERR_RING_ADDR] == 3);
	CHECK_EQ(virtq_peek_avail(&q), -EIO);
}

UNIT_TEST(nothing_offered_pops_nothing)
{
	drv_reset(16, 0);
	CHECK_EQ(virtq_peek_avail(&q), 0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 0);
	CHECK(!virtq_is_broken(&q));
}

UNIT_TEST(one_readable_descriptor_pops_one_segment)
{
	drv_reset(16, 0);
	drv_desc(3, buf_gpa(0), 100, 0, 0);
	drv_offer(3);
	CHECK_EQ(virtq_peek_avail(&q), 1);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 3);
	CHECK_EQ(e.out_num, 1);
	CHECK_EQ(e.in_num, 0);
	CHECK(e.out[0].iov_base == buf_host(0));
	CHECK_EQ(e.out[0].iov_len, 100);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 0);
	CHECK_EQ(q.inflight, 1);
}

UNIT_TEST(readable_then_writable_chain_splits_out_and_in)
{
	drv_reset(16, 0);
	drv_desc(0, buf_gpa(0), 12, VIRTQ_DESC_F_NEXT, 5);
	drv_desc(5, buf_gpa(1), 200, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(2, buf_gpa(3), 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 7);
	drv_desc(7, R1_GPA, 1000, VIRTQ_DESC_F_WRITE, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 0);
	CHECK_EQ(e.out_num, 2);
	CHECK_EQ(e.in_num, 2);
	CHECK(e.out[0].iov_base == buf_host(0) && e.out[0].iov_len == 12);
	CHECK(e.out[1].iov_base == buf_host(1) && e.out[1].iov_len == 200);
	CHECK(e.in[0].iov_base == buf_host(3) && e.in[0].iov_len == 64);
	CHECK(e.in[1].iov_base == r1 && e.in[1].iov_len == 1000);
}

UNIT_TEST(readable_after_writable_breaks_ring)
{
	drv_reset(16, 0);
	drv_desc(0, buf_gpa(0), 12, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, buf_gpa(1), 12, 0, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_ORDER);
	CHECK_EQ(e.out_num + e.in_num, 0);
	CHECK_EQ(q.last_avail_idx, 0);		/* not taken */
}

UNIT_TEST(chain_of_queue_size_descriptors_is_no_loop)
{
	unsigned int i;

	drv_reset(8, 0);
	for (i = 0; i < 8; i++)
		drv_desc(i, buf_gpa(i), 10, i < 7 ? VIRTQ_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.out_num, 8);
}

UNIT_TEST(loop_breaks_ring_for_good)
{
	drv_reset(8, 0);
	drv_desc(0, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, buf_gpa(1), 10, VIRTQ_DESC_F_NEXT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK(virtq_is_broken(&q));
	CHECK_EQ(q.broken_why, VIRTQ_ERR_LOOP);
	CHECK_EQ(q.err[VIRTQ_ERR_LOOP], 1);

	/* the driver "fixes" it: too late */
	drv_desc(1, buf_gpa(1), 10, 0, 0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(virtq_peek_avail(&q), -EIO);
	CHECK_EQ(virtq_fill(&q, 0, 0, 0), -EIO);
	CHECK_EQ(virtq_flush(&q, 0), -EIO);
	CHECK_EQ(virtq_unpop(&q, 0), -EIO);
	CHECK(!virtq_need_notify(&q));
	CHECK(!virtq_enable_kicks_and_check(&q));
	CHECK_EQ(q.err[VIRTQ_ERR_LOOP], 1);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_LOOP);

	/* a new set-up (driver reset) starts clean */
	CHECK_EQ(virtq_setup(&q, &mem, 8, R0_UVA + DESC_OFF,
			     R0_UVA + AVAIL_OFF, R0_UVA + USED_OFF, 0), 0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.out_num, 2);
}

UNIT_TEST(self_loop_breaks_ring)
{
	drv_reset(1, 0);
	drv_desc(0, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_LOOP);
}

UNIT_TEST(head_not_below_queue_size_breaks_ring)
{
	drv_reset(16, 0);
	drv_offer(16);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_HEAD);
}

UNIT_TEST(next_not_below_queue_size_breaks_ring)
{
	drv_reset(16, 0);
	drv_desc(0, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 16);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_NEXT);
}

UNIT_TEST(next_ignored_without_next_flag)
{
	drv_reset(16, 0);
	drv_desc(0, buf_gpa(0), 10, 0, 0xffff);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.out_num, 1);
}

UNIT_TEST(buffer_outside_memory_breaks_ring)
{
	drv_reset(16, 0);
	drv_desc(0, R1_GPA + R1_BYTES, 10, 0, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_DESC_ADDR);

	drv_reset(16, 0);
	drv_desc(0, UINT64_MAX - 4, 10, 0, 0);		/* wraps */
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_DESC_ADDR);

	drv_reset(16, 0);
	drv_desc(0, R0_GPA, UINT32_MAX, VIRTQ_DESC_F_WRITE, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_DESC_ADDR);
}

UNIT_TEST(buffer_across_two_regions_breaks_ring)
{
	drv_reset(16, 0);
	drv_desc(0, R1_GPA - 4, 8, 0, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_DESC_ADDR);
}

UNIT_TEST(zero_length_descriptors_are_skipped)
{
	drv_reset(16, 0);
	/* address nowhere: never translated */
	drv_desc(0, UINT64_MAX, 0, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(2, 0, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	drv_desc(3, buf_gpa(1), 20, VIRTQ_DESC_F_WRITE, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.out_num, 1);
	CHECK_EQ(e.in_num, 1);
	CHECK(e.out[0].iov_base == buf_host(0) && e.out[0].iov_len == 10);
	CHECK(e.in[0].iov_base == buf_host(1) && e.in[0].iov_len == 20);

	/* all empty: a chain with no segment */
	drv_desc(4, 0, 0, 0, 0);
	drv_offer(4);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 4);
	CHECK_EQ(e.out_num + e.in_num, 0);

	/* still ordered: empty readable after writable */
	drv_desc(5, buf_gpa(2), 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	drv_desc(6, 0, 0, 0, 0);
	drv_offer(5);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_ORDER);
}

UNIT_TEST(too_many_segments_returns_chain_unused)
{
	unsigned int i, n = VIRTQ_ELEM_IOV_MAX + 1;

	drv_reset(128, 0);
	for (i = 0; i < n; i++)
		drv_desc(i, buf_gpa(0), 4, i < n - 1 ? VIRTQ_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	drv_desc(100, buf_gpa(1), 4, 0, 0);
	drv_offer(0);
	drv_offer(100);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -E2BIG);
	CHECK_EQ(e.head, 0);
	CHECK_EQ(e.out_num + e.in_num, 0);
	CHECK(!virtq_is_broken(&q));
	CHECK_EQ(q.err[VIRTQ_ERR_SEGMENTS], 1);
	CHECK_EQ(virtq_push(&q, &e, 0), 0);
	CHECK_EQ(le16toh(used()->idx), 1);
	CHECK_EQ(le32toh(used()->ring[0].id), 0);
	CHECK_EQ(le32toh(used()->ring[0].len), 0);

	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 100);

	/* exactly the limit is fine */
	drv_desc(n - 2, buf_gpa(0), 4, 0, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.out_num, VIRTQ_ELEM_IOV_MAX);
}

UNIT_TEST(too_many_segments_still_checks_the_rest)
{
	unsigned int i, n = VIRTQ_ELEM_IOV_MAX + 2;

	drv_reset(128, 0);
	for (i = 0; i < n; i++)
		drv_desc(i, buf_gpa(0), 4, VIRTQ_DESC_F_NEXT,
			 (uint16_t)(i + 1));
	drv_desc(n, R1_GPA + R1_BYTES, 4, 0, 0);	/* outside */
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_DESC_ADDR);
}

UNIT_TEST(avail_index_jump_beyond_queue_size_breaks_ring)
{
	unsigned int i;

	drv_reset(16, 0);
	for (i = 0; i < 16; i++)
		drv_desc(i, buf_gpa(i), 4, 0, 0);
	avail()->idx = htole16(16);		/* a full ring is fine */
	CHECK_EQ(virtq_peek_avail(&q), 16);
	avail()->idx = htole16(17);
	CHECK_EQ(virtq_peek_avail(&q), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_AVAIL_IDX);

	drv_reset(16, 0);
	avail()->idx = htole16(0xffff);		/* "backwards" */
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_AVAIL_IDX);
}

UNIT_TEST(avail_index_wraps_around_16_bits)
{
	uint16_t base = 0xfffe;
	unsigned int i;

	drv_reset_at(4, 0, base, 0);
	for (i = 0; i < 4; i++)
		drv_desc(i, buf_gpa(i), 4, 0, 0);
	for (i = 0; i < 4; i++)
		drv_offer((uint16_t)(3 - i));
	CHECK_EQ(le16toh(avail()->idx), 2);
	CHECK_EQ(virtq_peek_avail(&q), 4);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
		CHECK_EQ(e.head, 3 - i);
	}
	CHECK_EQ(virtq_pop(&q, &mem, &e), 0);
	CHECK_EQ(virtq_get_base(&q), 2);
}

UNIT_TEST(indirect_table_pops_its_segments)
{
	struct virtq_desc *t = buf_host(16);

	drv_reset(16, FEAT_INDIRECT);
	drv_desc_in(t, 0, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 2);
	drv_desc_in(t, 2, buf_gpa(1), 20, VIRTQ_DESC_F_NEXT, 1);
	drv_desc_in(t, 1, buf_gpa(2), 30, VIRTQ_DESC_F_WRITE, 0);
	/* WRITE on the indirect descriptor itself is ignored */
	drv_desc(4, buf_gpa(16), 3 * 16, VIRTQ_DESC_F_INDIRECT |
		 VIRTQ_DESC_F_WRITE, 0);
	drv_offer(4);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 4);
	CHECK_EQ(e.out_num, 2);
	CHECK_EQ(e.in_num, 1);
	CHECK(e.out[0].iov_base == buf_host(0) && e.out[0].iov_len == 10);
	CHECK(e.out[1].iov_base == buf_host(1) && e.out[1].iov_len == 20);
	CHECK(e.in[0].iov_base == buf_host(2) && e.in[0].iov_len == 30);
}

UNIT_TEST(direct_descriptors_then_indirect_table)
{
	struct virtq_desc *t = buf_host(16);

	drv_reset(16, FEAT_INDIRECT);
	drv_desc(0, buf_gpa(0), 12, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, buf_gpa(16), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_desc_in(t, 0, buf_gpa(1), 40, VIRTQ_DESC_F_WRITE, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.out_num, 1);
	CHECK_EQ(e.in_num, 1);

	/* writable direct, then readable in the table: out of order */
	drv_desc(2, buf_gpa(2), 12, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	drv_desc(3, buf_gpa(17), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_desc_in(buf_host(17), 0, buf_gpa(3), 40, 0, 0);
	drv_offer(2);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_ORDER);
}

UNIT_TEST(indirect_without_feature_breaks_ring)
{
	drv_reset(16, 0);
	drv_desc_in(buf_host(16), 0, buf_gpa(0), 10, 0, 0);
	drv_desc(0, buf_gpa(16), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_FEATURE);
}

UNIT_TEST(indirect_inside_indirect_breaks_ring)
{
	drv_reset(16, FEAT_INDIRECT);
	drv_desc_in(buf_host(16), 0, buf_gpa(17), 16, VIRTQ_DESC_F_INDIRECT,
		    0);
	drv_desc_in(buf_host(17), 0, buf_gpa(0), 10, 0, 0);
	drv_desc(0, buf_gpa(16), 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_NESTED);
}

UNIT_TEST(indirect_with_next_breaks_ring)
{
	drv_reset(16, FEAT_INDIRECT);
	drv_desc_in(buf_host(16), 0, buf_gpa(0), 10, 0, 0);
	drv_desc(0, buf_gpa(16), 16,
		 VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, buf_gpa(1), 10, 0, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_NEXT);
}

/* Offer one indirect descriptor of table length @len at buffer 16 */
static int pop_indirect_len(uint32_t len)
{
	drv_reset(16, FEAT_INDIRECT);
	drv_desc(0, buf_gpa(16), len, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	return virtq_pop(&q, &mem, &e);
}

UNIT_TEST(indirect_table_length_is_checked)
{
	CHECK_EQ(pop_indirect_len(0), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_LEN);
	CHECK_EQ(pop_indirect_len(15), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_LEN);
	CHECK_EQ(pop_indirect_len(24), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_LEN);
	CHECK_EQ(pop_indirect_len(17 * 16), -EIO);	/* > queue size */
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_LEN);
	CHECK_EQ(pop_indirect_len(16 * 16), 1);	/* zeroed: one empty */
	CHECK_EQ(e.out_num + e.in_num, 0);

	drv_reset(16, FEAT_INDIRECT);
	drv_desc(0, R1_GPA - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_IND_ADDR);
}

UNIT_TEST(indirect_next_and_loop_are_checked)
{
	struct virtq_desc *t = buf_host(16);

	drv_reset(16, FEAT_INDIRECT);
	drv_desc_in(t, 0, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 2);  /* of 2 */
	drv_desc(0, buf_gpa(16), 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_NEXT);

	drv_reset(16, FEAT_INDIRECT);
	drv_desc_in(t, 0, buf_gpa(0), 10, VIRTQ_DESC_F_NEXT, 1);
	drv_desc_in(t, 1, buf_gpa(1), 10, VIRTQ_DESC_F_NEXT, 0);
	drv_desc(0, buf_gpa(16), 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), -EIO);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_LOOP);
}

UNIT_TEST(indirect_table_may_be_unaligned)
{
	uint8_t *t = (uint8_t *)buf_host(16) + 3;

	drv_reset(16, FEAT_INDIRECT);
	drv_desc_in((struct virtq_desc *)(void *)buf_host(18), 0, buf_gpa(1),
		    10, VIRTQ_DESC_F_WRITE, 0);
	memcpy(t, buf_host(18), 16);
	drv_desc(0, buf_gpa(16) + 3, 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.in_num, 1);
	CHECK(e.in[0].iov_base == buf_host(1));
}

UNIT_TEST(used_entries_are_published_by_flush_only)
{
	unsigned int i;

	drv_reset(8, 0);
	for (i = 0; i < 3; i++) {
		drv_desc(i, buf_gpa(i), 4, VIRTQ_DESC_F_WRITE, 0);
		drv_offer((uint16_t)i);
	}
	for (i = 0; i < 3; i++)
		CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_fill(&q, 2, 300, 0), 0);
	CHECK_EQ(virtq_fill(&q, 0, 100, 1), 0);
	CHECK_EQ(virtq_fill(&q, 1, 200, 3), -EINVAL);	/* 3 in flight */
	CHECK_EQ(virtq_fill(&q, 8, 200, 2), -EINVAL);	/* no such head */
	CHECK_EQ(le16toh(used()->idx), 0);		/* nothing yet */
	CHECK_EQ(virtq_flush(&q, 2), 0);
	CHECK_EQ(le16toh(used()->idx), 2);
	CHECK_EQ(le32toh(used()->ring[0].id), 2);
	CHECK_EQ(le32toh(used()->ring[0].len), 300);
	CHECK_EQ(le32toh(used()->ring[1].id), 0);
	CHECK_EQ(le32toh(used()->ring[1].len), 100);
	CHECK_EQ(virtq_flush(&q, 2), -EINVAL);		/* 1 in flight */
	CHECK_EQ(virtq_push(&q, &e, 7), 0);
	CHECK_EQ(le16toh(used()->idx), 3);
	CHECK_EQ(le32toh(used()->ring[2].id), e.head);
	CHECK_EQ(le32toh(used()->ring[2].len), 7);
	CHECK_EQ(virtq_push(&q, &e, 7), -EINVAL);	/* none in flight */
}

UNIT_TEST(used_index_continues_from_ring_and_wraps)
{
	unsigned int i;

	drv_reset_at(4, 0, 0xfffe, 0xfffe);
	for (i = 0; i < 4; i++)
		drv_desc(i, buf_gpa(i), 4, VIRTQ_DESC_F_WRITE, 0);
	for (i = 0; i < 4; i++) {
		drv_offer((uint16_t)i);
		CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
		CHECK_EQ(virtq_push(&q, &e, i), 0);
	}
	CHECK_EQ(le16toh(used()->idx), 2);
	/* entries at 0xfffe, 0xffff, 0, 1 modulo 4: slots 2, 3, 0, 1 */
	CHECK_EQ(le32toh(used()->ring[2].id), 0);
	CHECK_EQ(le32toh(used()->ring[3].id), 1);
	CHECK_EQ(le32toh(used()->ring[0].id), 2);
	CHECK_EQ(le32toh(used()->ring[1].len), 3);
}

UNIT_TEST(used_index_is_the_ring_s_not_the_base)
{
	drv_reset_at(8, 0, 5, 3);	/* e.g. two chains lost in a restart */
	drv_desc(6, buf_gpa(0), 4, VIRTQ_DESC_F_WRITE, 0);
	drv_offer(6);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_push(&q, &e, 9), 0);
	CHECK_EQ(le16toh(used()->idx), 4);
	CHECK_EQ(le32toh(used()->ring[3].id), 6);
	CHECK_EQ(le32toh(used()->ring[3].len), 9);
	CHECK_EQ(virtq_get_base(&q), 6);
}

UNIT_TEST(unpop_offers_the_same_chains_again)
{
	unsigned int i;

	drv_reset(8, 0);
	for (i = 0; i < 3; i++) {
		drv_desc(i, buf_gpa(i), 4, VIRTQ_DESC_F_WRITE, 0);
		drv_offer((uint16_t)(5 - i));
		drv_desc(5 - i, buf_gpa(i), 4, VIRTQ_DESC_F_WRITE, 0);
	}
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 4);
	CHECK_EQ(virtq_unpop(&q, 3), -EINVAL);
	CHECK_EQ(virtq_unpop(&q, 1), 0);
	CHECK_EQ(q.inflight, 1);
	CHECK_EQ(virtq_peek_avail(&q), 2);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 4);
	CHECK_EQ(virtq_unpop(&q, 2), 0);
	CHECK_EQ(virtq_get_base(&q), 0);
	CHECK_EQ(virtq_setup(&q, &mem, 8, R0_UVA + DESC_OFF,
			     R0_UVA + AVAIL_OFF, R0_UVA + USED_OFF, 0), 0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(e.head, 5);
}

UNIT_TEST(stopped_queue_pops_nothing_and_writes_nothing)
{
	drv_reset(8, 0);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	drv_offer(0);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_get_base(&q), 1);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 0);
	CHECK_EQ(virtq_peek_avail(&q), 0);
	CHECK_EQ(virtq_push(&q, &e, 0), -EINVAL);
	CHECK_EQ(le16toh(used()->idx), 0);
	CHECK(!virtq_enable_kicks_and_check(&q));
	CHECK(!virtq_is_broken(&q));
	/* SET_VRING_BASE with what GET_VRING_BASE said, then restart */
	CHECK_EQ(virtq_setup(&q, &mem, 8, R0_UVA + DESC_OFF,
			     R0_UVA + AVAIL_OFF, R0_UVA + USED_OFF, 1), 0);
	CHECK_EQ(virtq_peek_avail(&q), 1);
}

UNIT_TEST(notify_without_event_idx_follows_no_interrupt_flag)
{
	drv_reset(8, 0);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	CHECK(!virtq_need_notify(&q));			/* nothing used */
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_push(&q, &e, 0), 0);
	CHECK(virtq_need_notify(&q));
	CHECK(!virtq_need_notify(&q));			/* told already */

	avail()->flags = htole16(VIRTQ_AVAIL_F_NO_INTERRUPT);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_push(&q, &e, 0), 0);
	CHECK(!virtq_need_notify(&q));

	/* with EVENT_IDX the flag is ignored */
	virtq_set_features(&q, FEAT_EVENT_IDX);
	*used_event() = htole16(2);
	drv_offer(0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_push(&q, &e, 0), 0);
	CHECK(virtq_need_notify(&q));
}

/* Publish @n chains, then ask whether to notify */
static bool push_n_need_notify(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		drv_offer(0);
		if (virtq_pop(&q, &mem, &e) != 1 || virtq_push(&q, &e, 0))
			return false;
	}
	return virtq_need_notify(&q);
}

UNIT_TEST(notify_with_event_idx_when_used_event_is_passed)
{
	drv_reset(8, FEAT_EVENT_IDX);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	avail()->flags = htole16(VIRTQ_AVAIL_F_NO_INTERRUPT);	/* ignored */
	*used_event() = htole16(0);
	CHECK(push_n_need_notify(1));		/* entry 0 written */
	*used_event() = htole16(3);
	CHECK(!push_n_need_notify(2));		/* 1, 2 */
	CHECK(push_n_need_notify(1));		/* 3 */
	*used_event() = htole16(5);
	CHECK(push_n_need_notify(3));		/* 4, 5, 6: 5 inside */
	*used_event() = htole16(6);		/* already passed */
	CHECK(!push_n_need_notify(1));
}

UNIT_TEST(notify_with_event_idx_across_16_bit_wrap)
{
	drv_reset_at(8, FEAT_EVENT_IDX, 0xfffc, 0xfffc);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	*used_event() = htole16(0xffff);
	CHECK(!push_n_need_notify(2));		/* 0xfffc, 0xfffd */
	CHECK(push_n_need_notify(4));		/* 0xfffe .. 1 */
	CHECK_EQ(le16toh(used()->idx), 2);
	*used_event() = htole16(1);		/* behind: 1 was written */
	CHECK(!push_n_need_notify(1));
	*used_event() = htole16(3);
	CHECK(push_n_need_notify(2));		/* 2, 3 */

	drv_reset_at(8, FEAT_EVENT_IDX, 0xfffe, 0xfffe);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	*used_event() = htole16(0);
	CHECK(push_n_need_notify(3));		/* 0xfffe, 0xffff, 0 */
}

UNIT_TEST(kicks_suppressed_with_used_flag_without_event_idx)
{
	drv_reset(8, 0);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	virtq_disable_kicks(&q);
	CHECK_EQ(le16toh(used()->flags), VIRTQ_USED_F_NO_NOTIFY);
	CHECK(!virtq_enable_kicks_and_check(&q));
	CHECK_EQ(le16toh(used()->flags), 0);
	virtq_disable_kicks(&q);
	drv_offer(0);					/* raced in */
	CHECK(virtq_enable_kicks_and_check(&q));
	CHECK_EQ(le16toh(used()->flags), 0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK(!virtq_enable_kicks_and_check(&q));
}

UNIT_TEST(kicks_asked_with_avail_event_with_event_idx)
{
	drv_reset_at(8, FEAT_EVENT_IDX, 0xffff, 0);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	*avail_event() = htole16(0x1234);
	virtq_disable_kicks(&q);			/* nothing to write */
	CHECK_EQ(le16toh(used()->flags), 0);
	CHECK_EQ(le16toh(*avail_event()), 0x1234);
	CHECK(!virtq_enable_kicks_and_check(&q));
	CHECK_EQ(le16toh(*avail_event()), 0xffff);
	drv_offer(0);
	drv_offer(0);
	CHECK(virtq_enable_kicks_and_check(&q));
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	virtq_set_avail_event(&q);
	CHECK_EQ(le16toh(*avail_event()), 1);
	CHECK(!virtq_enable_kicks_and_check(&q));
}

UNIT_TEST(remap_finds_rings_in_new_table_or_breaks)
{
	struct vu_mem m2;

	drv_reset(8, 0);
	drv_desc(0, buf_gpa(0), 4, 0, 0);
	drv_offer(0);
	CHECK_EQ(virtq_remap(&q, &mem), 0);
	CHECK_EQ(virtq_pop(&q, &mem, &e), 1);
	vu_mem_init(&m2);
	vu_mem_add(&m2, R1_GPA, R1_BYTES, R1_UVA, r1);
	CHECK_EQ(virtq_remap(&q, &m2), -EINVAL);
	CHECK_EQ(q.broken_why, VIRTQ_ERR_RING_ADDR);
	CHECK_EQ(virtq_remap(&q, &mem), -EIO);
}

UNIT_TEST(error_names_cover_every_reason)
{
	int i;

	for (i = 0; i < VIRTQ_ERR_COUNT; i++) {
		CHECK(virtq_err_str((enum virtq_err)i) != NULL);
		CHECK(strcmp(virtq_err_str((enum virtq_err)i), "?"));
	}
	CHECK(!strncmp(virtq_err_str(VIRTQ_ERR_LOOP), "LOOP", 4));
	CHECK(!strcmp(virtq_err_str(VIRTQ_ERR_COUNT), "?"));
}
