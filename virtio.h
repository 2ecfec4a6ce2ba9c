/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio.h - Device side of split virtqueues in guest memory (vhost-user)
 *
 * How the vhost-user back-end uses it (rules and reasons: virtio.c):
 *
 *	SET_MEM_TABLE:	vu_mem_init(&mem); per region, after mmap():
 *			vu_mem_add(&mem, gpa, size, uva, map + mmap_offset);
 *	SET_FEATURES:	virtq_set_features(&q, features);
 *	SET_VRING_NUM, _ADDR, _BASE: keep the values; SET_VRING_KICK:
 *			virtq_setup(&q, &mem, num, desc, avail, used, base);
 *	GET_VRING_BASE:	(flush or unpop all first) base = virtq_get_base(&q);
 *	SET_MEM_TABLE while running: virtq_remap(&q, &new_mem), then unmap
 *			the old regions once no element points into them.
 *
 *	on a kick (eventfd read):
 *	do {
 *		virtq_disable_kicks(&q);
 *		for (n = 0; n < batch && (rc = virtq_pop(&q, &mem, &e)); n++) {
 *			if (rc == -EIO)
 *				log virtq_err_str(q.broken_why) once, stop;
 *			len = rc == 1 ? use e.out[], e.in[] : 0;  (-E2BIG: 0)
 *			virtq_fill(&q, e.head, len, n);
 *		}
 *		virtq_flush(&q, n);
 *		if (virtq_need_notify(&q))
 *			write the call eventfd;
 *	} while (virtq_enable_kicks_and_check(&q));
 */

#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Memory regions of one SET_MEM_TABLE: vhost-user's baseline count
 * (VHOST_MEMORY_BASELINE_NREGIONS), 32 B each, 264 B per table
 */
#define VU_MEM_REGIONS_MAX	8

/* Largest queue size, descriptors (virtio 1.x, Split Virtqueues: a power of
 * two that fits the 16-bit indices). A queue costs us no memory per
 * descriptor.
 */
#define VIRTQ_SIZE_MAX		32768

/* Segments per direction of one chain. Linux sends at most MAX_SKB_FRAGS + 2
 * (19 by default, 47 at most) readable segments and one writable per
 * mergeable receive buffer; a chain with more is returned unused (-E2BIG
 * from virtq_pop()). Cost: 16 B per segment, two arrays, 2 KiB per element.
 */
#define VIRTQ_ELEM_IOV_MAX	64

/* Descriptor flags, virtio 1.x: The Virtqueue Descriptor Table */
#define VIRTQ_DESC_F_NEXT	1	/* chain continues at .next */
#define VIRTQ_DESC_F_WRITE	2	/* device-writable (else readable) */
#define VIRTQ_DESC_F_INDIRECT	4	/* buffer is a table of descriptors */

/* Notification suppression flags, virtio 1.x: Used and Available Buffer
 * Notification Suppression
 */
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1	/* driver: no used notification */
#define VIRTQ_USED_F_NO_NOTIFY		1	/* device: no kicks, please */

/* Feature bit numbers, virtio 1.x: Reserved Feature Bits */
#define VIRTQ_F_INDIRECT_DESC	28
#define VIRTQ_F_EVENT_IDX	29

/* Ring layouts, little-endian (virtio 1.x, Split Virtqueues) */
#define VIRTQ_DESC_ALIGN	16	/* bytes, descriptor table */
#define VIRTQ_AVAIL_ALIGN	2	/* bytes, available ring */
#define VIRTQ_USED_ALIGN	4	/* bytes, used ring */

/**
 * struct virtq_desc - One descriptor as stored in guest memory
 * @addr:	Guest-physical address of the buffer (le64)
 * @len:	Length of the buffer, bytes (le32)
 * @flags:	VIRTQ_DESC_F_* (le16)
 * @next:	Index of the next descriptor if VIRTQ_DESC_F_NEXT (le16)
 */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/**
 * struct virtq_avail - Available ring: written by the driver only
 * @flags:	VIRTQ_AVAIL_F_NO_INTERRUPT (le16)
 * @idx:	Free-running index of the next entry the driver will write
 * @ring:	Chain heads, queue size entries, then used_event (le16)
 */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/**
 * struct virtq_used_elem - One used ring entry
 * @id:		Head index of the chain returned (le32)
 * @len:	Bytes written into the chain's writable buffers (le32)
 */
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/**
 * struct virtq_used - Used ring: written by the device only
 * @flags:	VIRTQ_USED_F_NO_NOTIFY (le16)
 * @idx:	Free-running index of the next entry the device will write
 * @ring:	Used entries, queue size of them, then avail_event (le16)
 */
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/**
 * struct vu_mem_region - One guest memory region, mapped here
 * @gpa:	Guest-physical address of its first byte
 * @size:	Length, bytes
 * @uva:	Front-end (qemu) user virtual address of its first byte
 * @host:	Where its first byte is mapped in this process
 */
struct vu_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint8_t *host;
};

/**
 * struct vu_mem - Guest memory: the regions of the last SET_MEM_TABLE
 * @r:		Regions, first match wins where they overlap
 * @n:		Regions in use
 */
struct vu_mem {
	struct vu_mem_region r[VU_MEM_REGIONS_MAX];
	unsigned int n;
};

/* Why a queue was refused or marked broken: one list generates the enum,
 * the names and the counters. All but SEGMENTS break the queue for good.
 */
#define VIRTQ_ERRORS(X)							\
	X(SIZE,		"queue size 0, not a power of two or > 32768")	\
	X(RING_ADDR,	"ring not inside one memory region")		\
	X(RING_ALIGN,	"ring misaligned (desc 16, avail 2, used 4)")	\
	X(AVAIL_IDX,	"available index more than a queue ahead")	\
	X(HEAD,		"chain head index not below the queue size")	\
	X(NEXT,		"next index beyond its descriptor table")	\
	X(LOOP,		"chain longer than its table: a loop")		\
	X(DESC_ADDR,	"buffer not inside one memory region")		\
	X(ORDER,	"device-readable descriptor after a writable")	\
	X(IND_FEATURE,	"indirect descriptor, feature not negotiated")	\
	X(IND_NESTED,	"indirect descriptor inside an indirect table")	\
	X(IND_NEXT,	"indirect descriptor with VIRTQ_DESC_F_NEXT")	\
	X(IND_LEN,	"indirect table empty, ragged or > queue size")	\
	X(IND_ADDR,	"indirect table not inside one memory region")	\
	X(SEGMENTS,	"chain of > VIRTQ_ELEM_IOV_MAX segments: unused")

#define VIRTQ_ERR_ENUM_(name, desc)	VIRTQ_ERR_##name,
enum virtq_err {
	VIRTQ_ERR_NONE,
	VIRTQ_ERRORS(VIRTQ_ERR_ENUM_)
	VIRTQ_ERR_COUNT
};
#undef VIRTQ_ERR_ENUM_

/**
 * struct virtq - Device side of one split virtqueue
 * @size:		Queue size, descriptors: a power of two
 * @desc:		Descriptor table, mapped
 * @avail:		Available ring, mapped
 * @used:		Used ring, mapped
 * @used_event:		Driver's used_event, after the available ring
 * @avail_event:	Our avail_event, after the used ring
 * @desc_uva:		Front-end address of the descriptor table
 * @avail_uva:		Front-end address of the available ring
 * @used_uva:		Front-end address of the used ring
 * @last_avail_idx:	Next available ring entry we will take
 * @avail_idx:		Available index as last read from the driver
 * @used_idx:		Next used ring entry we will publish
 * @notified_used_idx:	Used index at the last virtq_need_notify()
 * @inflight:		Chains taken and not yet published nor given back
 * @started:		Set up and not stopped since
 * @enabled:		SET_VRING_ENABLE state (kept, not enforced here)
 * @event_idx:		VIRTIO_F_EVENT_IDX negotiated
 * @indirect:		VIRTIO_F_INDIRECT_DESC negotiated
 * @broken:		The driver broke the ring: nothing more is done
 * @broken_why:		What broke it
 * @err:		Counters, by reason (read-only for callers)
 */
struct virtq {
	unsigned int size;
	const struct virtq_desc *desc;
	const struct virtq_avail *avail;
	struct virtq_used *used;
	const uint16_t *used_event;
	uint16_t *avail_event;
	uint64_t desc_uva;
	uint64_t avail_uva;
	uint64_t used_uva;
	uint16_t last_avail_idx;
	uint16_t avail_idx;
	uint16_t used_idx;
	uint16_t notified_used_idx;
	unsigned int inflight;
	bool started;
	bool enabled;
	bool event_idx;
	bool indirect;
	bool broken;
	enum virtq_err broken_why;
	uint32_t err[VIRTQ_ERR_COUNT];
};

/**
 * struct virtq_elem - One chain taken from the available ring
 * @head:	Head index, to give back in the used ring
 * @out_num:	Device-readable segments (driver to device) in @out
 * @in_num:	Device-writable segments (device to driver) in @in
 * @out:	Readable segments, in chain order, none of length 0
 * @in:		Writable segments, in chain order, none of length 0
 */
struct virtq_elem {
	uint16_t head;
	unsigned int out_num;
	unsigned int in_num;
	struct iovec out[VIRTQ_ELEM_IOV_MAX];
	struct iovec in[VIRTQ_ELEM_IOV_MAX];
};

void vu_mem_init(struct vu_mem *mem);
int vu_mem_add(struct vu_mem *mem, uint64_t gpa, uint64_t size, uint64_t uva,
	       uint8_t *host);
void *vu_mem_gpa(const struct vu_mem *mem, uint64_t gpa, uint64_t len);
void *vu_mem_uva(const struct vu_mem *mem, uint64_t uva, uint64_t len);

const char *virtq_err_str(enum virtq_err err);
void virtq_init(struct virtq *q);
void virtq_set_features(struct virtq *q, uint64_t features);
void virtq_set_enabled(struct virtq *q, bool enabled);
int virtq_setup(struct virtq *q, const struct vu_mem *mem, unsigned int num,
		uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva,
		uint16_t base_idx);
int virtq_remap(struct virtq *q, const struct vu_mem *mem);
uint16_t virtq_get_base(struct virtq *q);
bool virtq_is_broken(const struct virtq *q);
int virtq_peek_avail(struct virtq *q);
int virtq_pop(struct virtq *q, const struct vu_mem *mem,
	      struct virtq_elem *elem);
int virtq_unpop(struct virtq *q, unsigned int n);
int virtq_fill(struct virtq *q, uint16_t head, uint32_t len, unsigned int pos);
int virtq_flush(struct virtq *q, unsigned int count);
int virtq_push(struct virtq *q, const struct virtq_elem *elem, uint32_t len);
bool virtq_need_notify(struct virtq *q);
void virtq_set_avail_event(struct virtq *q);
void virtq_disable_kicks(struct virtq *q);
bool virtq_enable_kicks_and_check(struct virtq *q);

#endif /* VIRTIO_H */
