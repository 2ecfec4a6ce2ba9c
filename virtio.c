/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio.c - Device side of split virtqueues in guest memory (vhost-user) */

/**
 * DOC: Theory of operation
 *
 * The daemon is the virtio-net device, the guest the driver. Guest memory
 * comes as mapped regions (vhost-user SET_MEM_TABLE: guest-physical address,
 * size, front-end address, our mapping); rings are given as front-end
 * addresses (SET_VRING_ADDR), buffers as guest-physical ones. Everything in
 * guest memory is hostile and may change while we look at it.
 *
 * Translation: vu_mem_gpa() and vu_mem_uva() return a pointer only for a
 * range wholly inside one region, computed without overflow; a range across
 * two regions is refused even where they are adjacent, and a length of 0 is
 * refused (nothing to map: no caller needs it).
 *
 * Spec rules are cited by section title from the virtio 1.x chapter "Split
 * Virtqueues", shortened to S.V.: "S.V. / Indirect Descriptors".
 *
 * Taking a chain (virtq_pop()): the available index is read with acquire
 * ordering, so the ring entry and descriptors read after it are at least as
 * new. Every descriptor is copied once into a local variable and only the
 * copy is used: the guest cannot change a length or flag between our check
 * and our use. Each descriptor is checked before use:
 *
 *   head and next indices below their table's size;
 *   at most one descriptor per table entry visited (so a loop is found by
 *   counting steps, with no memory per descriptor);
 *   readable descriptors never after writable ones (S.V. / Message
 *   Framing), also across the step into an indirect table;
 *   an indirect descriptor only if VIRTIO_F_INDIRECT_DESC was negotiated,
 *   never with VIRTQ_DESC_F_NEXT, never inside an indirect table, last in
 *   its chain (S.V. / Indirect Descriptors: zero or more direct ones, then
 *   one indirect one); its table is whole descriptors, one at least, at
 *   most the queue size, inside one region; its WRITE flag is ignored (same
 *   section);
 *   every buffer of non-zero length inside one region.
 *
 * Zero-length descriptors: allowed, skipped. They count as a step and for
 * the readable-after-writable rule, their address is never translated, and
 * they yield no segment: struct virtq_elem holds no segment of length 0.
 *
 * Segments: a chain of more than VIRTQ_ELEM_IOV_MAX readable or writable
 * non-empty segments is walked and checked to its end but not mapped:
 * virtq_pop() returns -E2BIG with the head set and no segment, the chain is
 * taken, and the caller gives it back unused (virtq_push() with length 0).
 * This is our limit, not a driver error: the queue stays usable.
 *
 * Broken: any other violation of the rules above, or an available index
 * more than the queue size ahead of ours (the driver cannot offer more
 * chains than descriptors), marks the queue broken, counts the reason and
 * keeps it in @broken_why. A broken queue is dead until the next
 * virtq_setup(): virtq_pop(), virtq_peek_avail(), virtq_unpop(),
 * virtq_fill(), virtq_flush() return -EIO, the notification helpers do
 * nothing and return false. The chain that broke it is not taken. The
 * caller logs the reason once (virtq_err_str()) and stops using the queue.
 *
 * Giving chains back: virtq_fill() writes a used entry at a position past
 * the used index without publishing it; virtq_flush() publishes a count of
 * them with one release store of the used index, after which the driver may
 * read them and the bytes written into their buffers. virtq_unpop() gives
 * taken chains back to the available side (a frame that did not fit): the
 * next pops return them again.
 *
 * Notifications: virtq_need_notify() after a flush says whether the driver
 * wants a used buffer notification (S.V. / Used Buffer Notification
 * Suppression: used_event with VIRTIO_F_EVENT_IDX, else
 * VIRTQ_AVAIL_F_NO_INTERRUPT), with a full barrier between our used index
 * store and its read of the driver's fields. Kicks from the driver are
 * suppressed with VIRTQ_USED_F_NO_NOTIFY, or with VIRTIO_F_EVENT_IDX simply
 * by not moving avail_event; re-enabling them
 * (virtq_enable_kicks_and_check()) is followed by a full barrier and a new
 * read of the available index, so that chains offered in between are not
 * left waiting for a kick that will not come (S.V. / Available Buffer
 * Notification Suppression).
 *
 * Limits: VIRTQ_SIZE_MAX (32768) descriptors per queue, VIRTQ_ELEM_IOV_MAX
 * (64) segments per direction of a chain, VU_MEM_REGIONS_MAX (8) regions.
 * Pure code: no system calls, no allocation.
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "virtio.h"

_Static_assert(sizeof(struct virtq_desc) == 16, "descriptor is 16 bytes");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "used entry is 8 bytes");
_Static_assert(sizeof(struct virtq_avail) == 4, "avail header is 4 bytes");
_Static_assert(sizeof(struct virtq_used) == 4, "used header is 4 bytes");
_Static_assert(VIRTQ_SIZE_MAX <= 32768 &&
	       !(VIRTQ_SIZE_MAX & (VIRTQ_SIZE_MAX - 1)),
	       "16-bit indices must tell a full ring from an empty one");
_Static_assert(VIRTQ_ELEM_IOV_MAX <= VIRTQ_SIZE_MAX,
	       "no chain has more segments than descriptors");

#define VIRTQ_ERR_NAME_(name, desc)	[VIRTQ_ERR_##name] = #name ": " desc,
static const char *const virtq_err_names[VIRTQ_ERR_COUNT] = {
	[VIRTQ_ERR_NONE] = "NONE",
	VIRTQ_ERRORS(VIRTQ_ERR_NAME_)
};
#undef VIRTQ_ERR_NAME_

/**
 * vu_mem_init() - Empty a memory table
 * @mem:	Table
 */
void vu_mem_init(struct vu_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
}

/**
 * vu_mem_add() - Add one region of a SET_MEM_TABLE, already mapped
 * @mem:	Table
 * @gpa:	Guest-physical address of the region
 * @size:	Length, bytes
 * @uva:	Front-end user virtual address of the region
 * @host:	Our mapping of its first byte (mmap() result plus mmap_offset)
 *
 * Return: 0, -EINVAL if the region is empty, wraps around either address
 *	   space or is not mapped, -ENOSPC if the table is full
 */
int vu_mem_add(struct vu_mem *mem, uint64_t gpa, uint64_t size, uint64_t uva,
	       uint8_t *host)
{
	struct vu_mem_region *r;

	if (!size || !host || size - 1 > UINT64_MAX - gpa ||
	    size - 1 > UINT64_MAX - uva || size > SIZE_MAX ||
	    size - 1 > UINTPTR_MAX - (uintptr_t)host)
		return -EINVAL;
	if (mem->n >= VU_MEM_REGIONS_MAX)
		return -ENOSPC;

	r = &mem->r[mem->n++];
	r->gpa = gpa;
	r->size = size;
	r->uva = uva;
	r->host = host;
	return 0;
}

/**
 * vu_mem_find() - Map a range that lies wholly inside one region
 * @mem:	Table
 * @by_uva:	@addr is a front-end address, else a guest-physical one
 * @addr:	First byte of the range
 * @len:	Length, bytes
 *
 * Return: our pointer to @addr, NULL if @len is 0 or no single region holds
 *	   the whole range
 */
static void *vu_mem_find(const struct vu_mem *mem, bool by_uva, uint64_t addr,
			 uint64_t len)
{
	unsigned int i;

	if (!len)
		return NULL;

	for (i = 0; i < mem->n && i < VU_MEM_REGIONS_MAX; i++) {
		const struct vu_mem_region *r = &mem->r[i];
		uint64_t start = by_uva ? r->uva : r->gpa;
		uint64_t off;

		if (addr < start)
			continue;
		off = addr - start;
		if (off >= r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

/**
 * vu_mem_gpa() - Map a guest-physical range wholly inside one region
 * @mem:	Table
 * @gpa:	Guest-physical address of the first byte
 * @len:	Length, bytes: 0 is refused
 *
 * Return: pointer to @len bytes, or NULL
 */
void *vu_mem_gpa(const struct vu_mem *mem, uint64_t gpa, uint64_t len)
{
	return vu_mem_find(mem, false, gpa, len);
}

/**
 * vu_mem_uva() - Map a front-end address range wholly inside one region
 * @mem:	Table
 * @uva:	Front-end user virtual address of the first byte
 * @len:	Length, bytes: 0 is refused
 *
 * Return: pointer to @len bytes, or NULL
 */
void *vu_mem_uva(const struct vu_mem *mem, uint64_t uva, uint64_t len)
{
	return vu_mem_find(mem, true, uva, len);
}

/**
 * virtq_err_str() - Name and description of an error reason, for logs
 * @err:	Reason
 *
 * Return: constant string
 */
const char *virtq_err_str(enum virtq_err err)
{
	if ((unsigned int)err >= VIRTQ_ERR_COUNT)
		return "?";
	return virtq_err_names[err];
}

/**
 * virtq_init() - Reset a queue: stopped, disabled, no features, no counts
 * @q:		Queue
 */
void virtq_init(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

/**
 * virtq_set_features() - Apply the negotiated features that change rings
 * @q:		Queue
 * @features:	Feature bits (VHOST_USER_SET_FEATURES)
 *
 * May come before virtq_setup() or while the queue runs.
 */
void virtq_set_features(struct virtq *q, uint64_t features)
{
	q->indirect = features & (1ULL << VIRTQ_F_INDIRECT_DESC);
	q->event_idx = features & (1ULL << VIRTQ_F_EVENT_IDX);
}

/**
 * virtq_set_enabled() - Record VHOST_USER_SET_VRING_ENABLE
 * @q:		Queue
 * @enabled:	New state
 *
 * Nothing here depends on it: a started but disabled ring is still
 * processed (transmitted frames discarded, nothing received), which is the
 * caller's business.
 */
void virtq_set_enabled(struct virtq *q, bool enabled)
{
	q->enabled = enabled;
}

/**
 * virtq_break() - Mark a queue broken for good, count why
 * @q:		Queue
 * @why:	Reason
 *
 * Return: -EIO, for the caller to return
 */
static int virtq_break(struct virtq *q, enum virtq_err why)
{
	if (!q->broken) {
		q->broken = true;
		q->broken_why = why;
	}
	q->err[why]++;
	return -EIO;
}

/**
 * virtq_map() - Map the three parts of a queue from front-end addresses
 * @q:		Queue, with @size set
 * @mem:	Guest memory
 *
 * Checks alignment of the addresses and of our mappings of them, and that
 * each part, event fields included, lies in one region (S.V., first table).
 *
 * Return: VIRTQ_ERR_NONE, or why the rings cannot be used
 */
static enum virtq_err virtq_map(struct virtq *q, const struct vu_mem *mem)
{
	uint64_t desc_len = (uint64_t)sizeof(struct virtq_desc) * q->size;
	uint64_t avail_len = sizeof(struct virtq_avail) +
			     sizeof(uint16_t) * ((uint64_t)q->size + 1);
	uint64_t used_len = sizeof(struct virtq_used) +
			    sizeof(struct virtq_used_elem) * (uint64_t)q->size +
			    sizeof(uint16_t);
	void *desc, *avail, *used;

	if (q->desc_uva % VIRTQ_DESC_ALIGN || q->avail_uva % VIRTQ_AVAIL_ALIGN ||
	    q->used_uva % VIRTQ_USED_ALIGN)
		return VIRTQ_ERR_RING_ALIGN;

	desc = vu_mem_uva(mem, q->desc_uva, desc_len);
	avail = vu_mem_uva(mem, q->avail_uva, avail_len);
	used = vu_mem_uva(mem, q->used_uva, used_len);
	if (!desc || !avail || !used)
		return VIRTQ_ERR_RING_ADDR;

	if ((uintptr_t)desc % VIRTQ_DESC_ALIGN ||
	    (uintptr_t)avail % VIRTQ_AVAIL_ALIGN ||
	    (uintptr_t)used % VIRTQ_USED_ALIGN)
		return VIRTQ_ERR_RING_ALIGN;

	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->used_event = &q->avail->ring[q->size];
	q->avail_event = (uint16_t *)(void *)&q->used->ring[q->size];
	return VIRTQ_ERR_NONE;
}

/**
 * virtq_setup() - Start a queue on rings the driver laid out
 * @q:		Queue: features and counters are kept, the rest is reset
 * @mem:	Guest memory, as mapped now
 * @num:	Queue size (VHOST_USER_SET_VRING_NUM)
 * @desc_uva:	Descriptor table, front-end address (SET_VRING_ADDR)
 * @avail_uva:	Available ring, front-end address
 * @used_uva:	Used ring, front-end address
 * @base_idx:	First available entry to take (SET_VRING_BASE)
 *
 * The used index continues from the used ring's own: that is what the
 * driver has seen. A queue that fails here is broken until set up again.
 *
 * Return: 0, or -EINVAL (reason in @broken_why, counted)
 */
int virtq_setup(struct virtq *q, const struct vu_mem *mem, unsigned int num,
		uint64_t desc_uva, uint64_t avail_uva, uint64_t used_uva,
		uint16_t base_idx)
{
	enum virtq_err why = VIRTQ_ERR_SIZE;

	q->started = q->broken = false;
	q->broken_why = VIRTQ_ERR_NONE;
	q->desc = NULL;
	q->avail = NULL;
	q->used = NULL;
	q->used_event = q->avail_event = NULL;
	q->size = num;
	q->desc_uva = desc_uva;
	q->avail_uva = avail_uva;
	q->used_uva = used_uva;

	if (num && num <= VIRTQ_SIZE_MAX && !(num & (num - 1)))
		why = virtq_map(q, mem);
	if (why != VIRTQ_ERR_NONE) {
		q->size = 0;
		virtq_break(q, why);
		return -EINVAL;
	}

	q->last_avail_idx = q->avail_idx = base_idx;
	q->used_idx = le16toh(__atomic_load_n(&q->used->idx, __ATOMIC_RELAXED));
	q->notified_used_idx = q->used_idx;
	q->inflight = 0;
	q->started = true;
	return 0;
}

/**
 * virtq_remap() - Find a running queue's rings again in a new memory table
 * @q:		Queue, started
 * @mem:	New guest memory (SET_MEM_TABLE while running)
 *
 * Indices are kept. Segments of chains taken before point into the old
 * mappings: give them back before those are unmapped.
 *
 * Return: 0, -EIO if the queue is broken or stopped, -EINVAL if the rings
 *	   are not in the new table (the queue is then broken)
 */
int virtq_remap(struct virtq *q, const struct vu_mem *mem)
{
	enum virtq_err why;

	if (q->broken || !q->started)
		return -EIO;
	why = virtq_map(q, mem);
	if (why != VIRTQ_ERR_NONE) {
		virtq_break(q, why);
		return -EINVAL;
	}
	return 0;
}

/**
 * virtq_get_base() - Stop a queue and say where it stopped (GET_VRING_BASE)
 * @q:		Queue
 *
 * Chains taken and not given back are neither published nor offered again:
 * flush or unpop them first.
 *
 * Return: next available entry we would have taken
 */
uint16_t virtq_get_base(struct virtq *q)
{
	q->started = false;
	return q->last_avail_idx;
}

/**
 * virtq_is_broken() - Did the driver break this queue (or its set-up fail)?
 * @q:		Queue
 *
 * Return: true if broken, see @broken_why
 */
bool virtq_is_broken(const struct virtq *q)
{
	return q->broken;
}

/**
 * virtq_avail_read() - Read the driver's available index, acquire ordering
 * @q:		Queue, started and not broken
 *
 * Entries and descriptors read after this are at least as new as the index
 * (the driver writes them before the index: S.V. / Supplying Buffers to
 * The Device / Updating idx).
 *
 * Return: chains available (0 to queue size), or -EIO if the index is more
 *	   than a queue ahead (the queue is then broken)
 */
static int virtq_avail_read(struct virtq *q)
{
	uint16_t idx = le16toh(__atomic_load_n(&q->avail->idx,
					       __ATOMIC_ACQUIRE));
	uint16_t n = (uint16_t)(idx - q->last_avail_idx);

	if (n > q->size)
		return virtq_break(q, VIRTQ_ERR_AVAIL_IDX);
	q->avail_idx = idx;
	return n;
}

/**
 * virtq_peek_avail() - How many chains the driver offers now
 * @q:		Queue
 *
 * Return: count (0 if stopped), or -EIO if broken
 */
int virtq_peek_avail(struct virtq *q)
{
	if (q->broken)
		return -EIO;
	if (!q->started)
		return 0;
	return virtq_avail_read(q);
}

/**
 * virtq_desc_get() - Copy one descriptor out of guest memory, once
 * @table:	Descriptor table (any alignment)
 * @i:		Index, already checked against the table's size
 * @d:		Copy, in host byte order
 *
 * The compiler barrier keeps it from reading guest memory again in place of
 * the copy: the guest may change the descriptor at any time.
 */
static void virtq_desc_get(const void *table, unsigned int i,
			   struct virtq_desc *d)
{
	struct virtq_desc raw;

	memcpy(&raw, (const uint8_t *)table + (size_t)i * sizeof(raw),
	       sizeof(raw));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);

	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/**
 * struct virtq_walk - State of one chain walk
 * @elem:	Element being filled
 * @writable:	A writable descriptor was seen: no readable one may follow
 * @too_many:	More segments than VIRTQ_ELEM_IOV_MAX in one direction
 */
struct virtq_walk {
	struct virtq_elem *elem;
	bool writable;
	bool too_many;
};

/**
 * virtq_walk_buf() - Check one buffer descriptor, add it as a segment
 * @mem:	Guest memory
 * @w:		Walk state
 * @d:		Descriptor copy, not indirect
 *
 * Return: VIRTQ_ERR_NONE, or why the ring is broken
 */
static enum virtq_err virtq_walk_buf(const struct vu_mem *mem,
				     struct virtq_walk *w,
				     const struct virtq_desc *d)
{
	struct iovec *iov;
	unsigned int *num;
	void *p;

	if (d->flags & VIRTQ_DESC_F_WRITE) {
		w->writable = true;
		iov = w->elem->in;
		num = &w->elem->in_num;
	} else if (w->writable) {
		return VIRTQ_ERR_ORDER;
	} else {
		iov = w->elem->out;
		num = &w->elem->out_num;
	}

	if (!d->len)
		return VIRTQ_ERR_NONE;		/* skipped, see DOC */

	p = vu_mem_gpa(mem, d->addr, d->len);
	if (!p)
		return VIRTQ_ERR_DESC_ADDR;

	if (*num >= VIRTQ_ELEM_IOV_MAX) {
		w->too_many = true;
		return VIRTQ_ERR_NONE;
	}
	iov[*num].iov_base = p;
	iov[*num].iov_len = d->len;
	(*num)++;
	return VIRTQ_ERR_NONE;
}

/**
 * virtq_walk_indirect() - Check an indirect descriptor, walk its table
 * @q:		Queue
 * @mem:	Guest memory
 * @w:		Walk state
 * @d:		Descriptor copy with VIRTQ_DESC_F_INDIRECT, from the queue's
 *		own table
 *
 * Return: VIRTQ_ERR_NONE, or why the ring is broken
 */
static enum virtq_err virtq_walk_indirect(const struct virtq *q,
					  const struct vu_mem *mem,
					  struct virtq_walk *w,
					  const struct virtq_desc *d)
{
	unsigned int n, i = 0, steps = 0;
	const void *table;
	struct virtq_desc id;

	if (!q->indirect)
		return VIRTQ_ERR_IND_FEATURE;
	if (d->flags & VIRTQ_DESC_F_NEXT)
		return VIRTQ_ERR_IND_NEXT;
	if (!d->len || d->len % sizeof(struct virtq_desc) ||
	    d->len / sizeof(struct virtq_desc) > q->size)
		return VIRTQ_ERR_IND_LEN;
	n = d->len / sizeof(struct virtq_desc);

	table = vu_mem_gpa(mem, d->addr, d->len);
	if (!table)
		return VIRTQ_ERR_IND_ADDR;

	for (;;) {
		enum virtq_err why;

		if (steps++ >= n)
			return VIRTQ_ERR_LOOP;
		virtq_desc_get(table, i, &id);
		if (id.flags & VIRTQ_DESC_F_INDIRECT)
			return VIRTQ_ERR_IND_NESTED;

		why = virtq_walk_buf(mem, w, &id);
		if (why != VIRTQ_ERR_NONE)
			return why;

		if (!(id.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_ERR_NONE;
		i = id.next;
		if (i >= n)
			return VIRTQ_ERR_NEXT;
	}
}

/**
 * virtq_walk() - Walk and check a whole chain from its head
 * @q:		Queue
 * @mem:	Guest memory
 * @w:		Walk state, element cleared, head set and checked
 *
 * Return: VIRTQ_ERR_NONE, or why the ring is broken
 */
static enum virtq_err virtq_walk(const struct virtq *q,
				 const struct vu_mem *mem, struct virtq_walk *w)
{
	unsigned int i = w->elem->head, steps = 0;
	struct virtq_desc d;

	for (;;) {
		enum virtq_err why;

		if (steps++ >= q->size)
			return VIRTQ_ERR_LOOP;
		virtq_desc_get(q->desc, i, &d);

		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return virtq_walk_indirect(q, mem, w, &d);

		why = virtq_walk_buf(mem, w, &d);
		if (why != VIRTQ_ERR_NONE)
			return why;

		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_ERR_NONE;
		i = d.next;
		if (i >= q->size)
			return VIRTQ_ERR_NEXT;
	}
}

/**
 * virtq_pop() - Take the next chain the driver offers, checked and mapped
 * @q:		Queue
 * @mem:	Guest memory
 * @elem:	Filled with the head and the segments, readable in @out,
 *		writable in @in
 *
 * Context: main loop; pure. Segments stay valid while @mem's mappings do.
 * Return: 1 a chain was taken; 0 none available (or the queue is stopped);
 *	   -E2BIG a chain was taken but has too many segments: @elem has its
 *	   head and no segment, give it back with virtq_push(q, elem, 0);
 *	   -EIO the queue is broken (now or before), nothing taken
 */
int virtq_pop(struct virtq *q, const struct vu_mem *mem,
	      struct virtq_elem *elem)
{
	struct virtq_walk w = { .elem = elem };
	enum virtq_err why;
	uint16_t head;

	elem->head = 0;
	elem->out_num = elem->in_num = 0;

	if (q->broken)
		return -EIO;
	if (!q->started)
		return 0;

	if (q->avail_idx == q->last_avail_idx) {
		int n = virtq_avail_read(q);

		if (n <= 0)
			return n;
	}

	head = le16toh(__atomic_load_n(
		&q->avail->ring[q->last_avail_idx & (q->size - 1)],
		__ATOMIC_RELAXED));
	if (head >= q->size)
		return virtq_break(q, VIRTQ_ERR_HEAD);

	elem->head = head;
	why = virtq_walk(q, mem, &w);
	if (why != VIRTQ_ERR_NONE) {
		elem->out_num = elem->in_num = 0;
		return virtq_break(q, why);
	}

	q->last_avail_idx++;
	q->inflight++;

	if (w.too_many) {
		elem->out_num = elem->in_num = 0;
		q->err[VIRTQ_ERR_SEGMENTS]++;
		return -E2BIG;
	}
	return 1;
}

/**
 * virtq_unpop() - Give taken chains back to the available side
 * @q:		Queue
 * @n:		Number of chains, the last @n taken and not yet published
 *
 * The next virtq_pop() calls return them again (re-read from guest memory).
 *
 * Return: 0, -EINVAL if fewer than @n chains are in flight, -EIO if broken
 */
int virtq_unpop(struct virtq *q, unsigned int n)
{
	if (q->broken)
		return -EIO;
	if (n > q->inflight)
		return -EINVAL;
	q->last_avail_idx = (uint16_t)(q->last_avail_idx - n);
	q->inflight -= n;
	return 0;
}

/**
 * virtq_fill() - Write a used entry without publishing it
 * @q:		Queue
 * @head:	Head index of the chain given back (struct virtq_elem.head)
 * @len:	Bytes written into its writable segments
 * @pos:	Position after the used index: 0 for the first of a batch
 *
 * Return: 0, -EINVAL if stopped, @head is not a head index or @pos is not
 *	   below the chains in flight, -EIO if broken
 */
int virtq_fill(struct virtq *q, uint16_t head, uint32_t len, unsigned int pos)
{
	struct virtq_used_elem *u;

	if (q->broken)
		return -EIO;
	if (!q->started || head >= q->size || pos >= q->inflight)
		return -EINVAL;

	u = &q->used->ring[(q->used_idx + pos) & (q->size - 1)];
	__atomic_store_n(&u->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&u->len, htole32(len), __ATOMIC_RELAXED);
	return 0;
}

/**
 * virtq_flush() - Publish used entries written by virtq_fill()
 * @q:		Queue
 * @count:	Entries to publish, from position 0
 *
 * Release ordering: the driver sees the entries, and whatever was written
 * into the buffers, no later than the new used index (S.V. / The Virtqueue
 * Used Ring: len and buffers before idx).
 *
 * Return: 0, -EINVAL if stopped or @count is more than the chains in
 *	   flight, -EIO if broken
 */
int virtq_flush(struct virtq *q, unsigned int count)
{
	if (q->broken)
		return -EIO;
	if (!q->started || count > q->inflight)
		return -EINVAL;

	q->used_idx = (uint16_t)(q->used_idx + count);
	q->inflight -= count;
	__atomic_store_n(&q->used->idx, htole16(q->used_idx),
			 __ATOMIC_RELEASE);
	return 0;
}

/**
 * virtq_push() - Give one chain back and publish it at once
 * @q:		Queue
 * @elem:	Chain, from virtq_pop()
 * @len:	Bytes written into its writable segments
 *
 * Return: 0, or as virtq_fill() and virtq_flush()
 */
int virtq_push(struct virtq *q, const struct virtq_elem *elem, uint32_t len)
{
	int rc = virtq_fill(q, elem->head, len, 0);

	if (rc)
		return rc;
	return virtq_flush(q, 1);
}

/**
 * virtq_need_event() - Did an index pass an event index?
 * @event:	Event index the other side asked for
 * @new_idx:	Index now
 * @old_idx:	Index at the last decision
 *
 * True if @event lies in [@old_idx, @new_idx), modulo 2^16: the entry at
 * @event was written since the last decision.
 *
 * Return: true if the other side asked to be told
 */
static bool virtq_need_event(uint16_t event, uint16_t new_idx,
			     uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) <
	       (uint16_t)(new_idx - old_idx);
}

/**
 * virtq_need_notify() - Does the driver want a used buffer notification?
 * @q:		Queue, just flushed
 *
 * Covers what was published since the last call: call it after each flush
 * (or batch of flushes) and notify if it says so.
 *
 * Return: true if the caller must notify the driver (write the call fd)
 */
bool virtq_need_notify(struct virtq *q)
{
	uint16_t old_idx = q->notified_used_idx;
	uint16_t flags;

	if (q->broken || !q->started)
		return false;

	q->notified_used_idx = q->used_idx;
	if (old_idx == q->used_idx)
		return false;

	/* Our used index store before the read of the driver's fields */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (q->event_idx) {
		uint16_t event = le16toh(__atomic_load_n(q->used_event,
							 __ATOMIC_RELAXED));

		return virtq_need_event(event, q->used_idx, old_idx);
	}
	flags = le16toh(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED));
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/**
 * virtq_set_avail_event() - Ask for a kick at the next chain offered
 * @q:		Queue
 *
 * With VIRTIO_F_EVENT_IDX, avail_event = the next entry we will take; the
 * driver kicks once its available index moves past it. Without, nothing.
 */
void virtq_set_avail_event(struct virtq *q)
{
	if (q->broken || !q->started || !q->event_idx)
		return;
	__atomic_store_n(q->avail_event, htole16(q->last_avail_idx),
			 __ATOMIC_RELAXED);
}

/**
 * virtq_disable_kicks() - Tell the driver we poll: no kicks needed
 * @q:		Queue
 *
 * Without VIRTIO_F_EVENT_IDX: VIRTQ_USED_F_NO_NOTIFY. With it, nothing to
 * do: the driver kicks once when it passes avail_event, which only
 * virtq_enable_kicks_and_check() moves (S.V. / Available Buffer
 * Notification Suppression: with VIRTIO_F_EVENT_IDX, flags stay 0).
 */
void virtq_disable_kicks(struct virtq *q)
{
	if (q->broken || !q->started || q->event_idx)
		return;
	__atomic_store_n(&q->used->flags, htole16(VIRTQ_USED_F_NO_NOTIFY),
			 __ATOMIC_RELAXED);
}

/**
 * virtq_enable_kicks_and_check() - Ask for kicks again, catch what raced in
 * @q:		Queue
 *
 * Clears VIRTQ_USED_F_NO_NOTIFY or moves avail_event to the next entry we
 * will take, then a full barrier and a new read of the available index:
 * chains offered before the driver could see our request would get no
 * kick, so the caller processes them now.
 *
 * Return: true if chains are available (keep going, kicks may not come),
 *	   false if the queue is empty (wait for a kick), broken or stopped
 */
bool virtq_enable_kicks_and_check(struct virtq *q)
{
	uint16_t idx;

	if (q->broken || !q->started)
		return false;

	if (q->event_idx)
		virtq_set_avail_event(q);
	else
		__atomic_store_n(&q->used->flags, 0, __ATOMIC_RELAXED);

	/* Our store before the read of the driver's index */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	idx = le16toh(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE));
	return idx != q->last_avail_idx;
}
