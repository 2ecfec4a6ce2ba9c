/* SPDX-License-Identifier: GPL-2.0-or-later */
/* impair.h - Test tools: a lossy, reordering, duplicating link for TCP
 *
 * Included by tapbridge.c and vhost_front.c (each tool is one source file,
 * so the functions here are static inline). A tool decides, for every frame
 * it relays, with impair_decide(), whether the frame passes, is dropped, is
 * sent twice, or is held back behind the next frame of its direction
 * (reordering). Only TCP frames (IPv4 or IPv6, no extension headers) are
 * impaired; every draw comes from one xorshift64* generator seeded with
 * --seed, so a run is repeatable as far as the frame sequence is.
 *
 * Options, shared by both tools:
 *   --loss PCT      drop PCT % of TCP frames (decimals allowed: 0.5)
 *   --reorder PCT   hold PCT % of TCP frames back behind the next frame of
 *                   the same direction (or IMPAIR_HOLD_MS, if none comes)
 *   --dup PCT       send PCT % of TCP frames twice
 *   --dir DIR       out: guest to daemon, in: daemon to guest, both (the
 *                   default)
 *   --seed N        generator seed (1)
 *
 * Limits: one held frame per direction (a frame drawn for reordering while
 * one is held passes), IMPAIR_FRAME_MAX bytes each.
 */

#ifndef IMPAIR_H
#define IMPAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#define IMPAIR_FRAME_MAX	(65535 + 14 + 12)	/* bytes, with vnet hdr */
#define IMPAIR_HOLD_MS		5	/* a held frame's longest wait */
#define IMPAIR_PPM		1000000U	/* draws are parts per million */

/* enum impair_dir - Direction of a frame, as the guest sees it */
enum impair_dir {
	IMPAIR_OUT = 0,		/* guest to daemon */
	IMPAIR_IN,		/* daemon to guest */
	IMPAIR_DIRS
};

/* enum impair_act - What happens to a frame */
enum impair_act {
	IMPAIR_PASS = 0,
	IMPAIR_DROP,
	IMPAIR_DUP,
	IMPAIR_HOLD,		/* the caller copies it with impair_hold() */
	IMPAIR_ACTS
};

/* Long options of the shared impairment flags: values for getopt_long() */
enum {
	IMPAIR_OPT_LOSS = 0x4000,
	IMPAIR_OPT_REORDER,
	IMPAIR_OPT_DUP,
	IMPAIR_OPT_DIR,
	IMPAIR_OPT_SEED,
};

#define IMPAIR_LONGOPTS							\
	{ "loss", required_argument, NULL, IMPAIR_OPT_LOSS },		\
	{ "reorder", required_argument, NULL, IMPAIR_OPT_REORDER },	\
	{ "dup", required_argument, NULL, IMPAIR_OPT_DUP },		\
	{ "dir", required_argument, NULL, IMPAIR_OPT_DIR },		\
	{ "seed", required_argument, NULL, IMPAIR_OPT_SEED }

#define IMPAIR_USAGE							\
	"[--loss PCT] [--reorder PCT] [--dup PCT] [--dir in|out|both] "	\
	"[--seed N]"

/**
 * struct impair_held - A frame held back for reordering
 * @len:	Bytes in @buf, 0 if none is held
 * @since_ms:	When it was held, milliseconds (CLOCK_MONOTONIC)
 * @buf:	The frame, as the tool relays it (virtio-net header included)
 */
struct impair_held {
	size_t len;
	uint64_t since_ms;
	uint8_t buf[IMPAIR_FRAME_MAX];
};

/**
 * struct impair - Configuration, generator, held frames and counters
 * @ppm:	Per action, parts per million of TCP frames
 * @dir:	Directions impaired
 * @rng:	xorshift64* state, never 0
 * @held:	Held frame per direction
 * @n:		Frames per direction and action
 */
static struct impair {
	uint32_t ppm[IMPAIR_ACTS];
	bool dir[IMPAIR_DIRS];
	uint64_t rng;
	struct impair_held held[IMPAIR_DIRS];
	unsigned long n[IMPAIR_DIRS][IMPAIR_ACTS];
} impair = { .dir = { true, true }, .rng = 1 };

/**
 * impair_now_ms() - CLOCK_MONOTONIC in milliseconds
 *
 * Return: milliseconds
 */
static inline uint64_t impair_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/**
 * impair_pct() - Parse a percentage with up to four decimals
 * @s:		String, like "1" or "0.5"
 * @ppm:	Parts per million, output
 *
 * Return: 0 on success, -1 if not a number from 0 to 100
 */
static inline int impair_pct(const char *s, uint32_t *ppm)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0.0 && v <= 100.0))
		return -1;
	*ppm = (uint32_t)(v * (IMPAIR_PPM / 100) + 0.5);
	return 0;
}

/**
 * impair_opt() - Take one of the IMPAIR_LONGOPTS
 * @opt:	getopt_long() value
 * @arg:	Its argument
 *
 * Return: 0 if taken, 1 if @opt is none of ours, -1 on a bad argument
 */
static inline int impair_opt(int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case IMPAIR_OPT_LOSS:
		return impair_pct(arg, &impair.ppm[IMPAIR_DROP]);
	case IMPAIR_OPT_REORDER:
		return impair_pct(arg, &impair.ppm[IMPAIR_HOLD]);
	case IMPAIR_OPT_DUP:
		return impair_pct(arg, &impair.ppm[IMPAIR_DUP]);
	case IMPAIR_OPT_DIR:
		impair.dir[IMPAIR_OUT] = !strcmp(arg, "out") ||
					 !strcmp(arg, "both");
		impair.dir[IMPAIR_IN] = !strcmp(arg, "in") ||
					!strcmp(arg, "both");
		return impair.dir[IMPAIR_OUT] || impair.dir[IMPAIR_IN] ? 0 : -1;
	case IMPAIR_OPT_SEED:
		impair.rng = strtoull(arg, &end, 0);
		if (end == arg || *end)
			return -1;
		impair.rng = impair.rng * 0x9e3779b97f4a7c15ULL + 1;
		if (!impair.rng)
			impair.rng = 1;
		return 0;
	default:
		return 1;
	}
}

/**
 * impair_on() - Is any impairment configured?
 *
 * Return: true if some frames may be dropped, held or duplicated
 */
static inline bool impair_on(void)
{
	return impair.ppm[IMPAIR_DROP] || impair.ppm[IMPAIR_HOLD] ||
	       impair.ppm[IMPAIR_DUP];
}

/**
 * impair_draw() - Next draw of the generator, xorshift64*
 *
 * Return: a number below IMPAIR_PPM
 */
static inline uint32_t impair_draw(void)
{
	uint64_t x = impair.rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	impair.rng = x;
	return (uint32_t)(((x * 0x2545f4914f6cdd1dULL) >> 32) % IMPAIR_PPM);
}

/**
 * impair_is_tcp() - Is an Ethernet frame a TCP segment over IPv4 or IPv6?
 * @f:		Frame
 * @len:	Bytes of it at @f
 *
 * Return: true for TCP
 */
static inline bool impair_is_tcp(const uint8_t *f, size_t len)
{
	if (len < 14 + 40)
		return false;
	if (f[12] == 0x08 && f[13] == 0x00)
		return (f[14] >> 4) == 4 && f[14 + 9] == 6;
	if (f[12] == 0x86 && f[13] == 0xdd)
		return (f[14] >> 4) == 6 && f[14 + 6] == 6;
	return false;
}

/**
 * impair_decide() - What happens to one frame
 * @dir:	Its direction
 * @f:		Ethernet frame (past any virtio-net header)
 * @len:	Bytes of it at @f
 *
 * Return: IMPAIR_PASS, _DROP, _DUP, or _HOLD (then call impair_hold())
 */
static inline enum impair_act impair_decide(enum impair_dir dir,
					    const uint8_t *f, size_t len)
{
	enum impair_act a = IMPAIR_PASS;
	uint32_t r, edge = 0;

	if (!impair.dir[dir] || !impair_on() || !impair_is_tcp(f, len))
		return IMPAIR_PASS;
	r = impair_draw();
	if (r < (edge += impair.ppm[IMPAIR_DROP]))
		a = IMPAIR_DROP;
	else if (r < (edge += impair.ppm[IMPAIR_HOLD]))
		a = impair.held[dir].len ? IMPAIR_PASS : IMPAIR_HOLD;
	else if (r < edge + impair.ppm[IMPAIR_DUP])
		a = IMPAIR_DUP;
	impair.n[dir][a]++;
	return a;
}

/**
 * impair_hold() - Keep a copy of a frame drawn for IMPAIR_HOLD
 * @dir:	Its direction
 * @iov:	The frame, as the tool relays it
 * @cnt:	Entries in @iov
 *
 * Return: true if held, false if too long (the caller passes it)
 */
static inline bool impair_hold(enum impair_dir dir, const struct iovec *iov,
			       size_t cnt)
{
	struct impair_held *h = &impair.held[dir];
	size_t i, len = 0;

	for (i = 0; i < cnt; i++)
		len += iov[i].iov_len;
	if (!len || len > sizeof(h->buf))
		return false;
	for (i = 0, len = 0; i < cnt; i++) {
		memcpy(h->buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	h->len = len;
	h->since_ms = impair_now_ms();
	return true;
}

/**
 * impair_held_frame() - The frame held in a direction, if any
 * @dir:	Direction
 * @due_only:	Only if it waited IMPAIR_HOLD_MS already
 *
 * The caller sends it after the frame that overtook it and then calls
 * impair_release().
 *
 * Return: the held frame, or NULL
 */
static inline const struct impair_held *impair_held_frame(enum impair_dir dir,
							  bool due_only)
{
	const struct impair_held *h = &impair.held[dir];

	if (!h->len)
		return NULL;
	if (due_only && impair_now_ms() < h->since_ms + IMPAIR_HOLD_MS)
		return NULL;
	return h;
}

/**
 * impair_release() - The held frame of a direction was sent
 * @dir:	Direction
 */
static inline void impair_release(enum impair_dir dir)
{
	impair.held[dir].len = 0;
}

/**
 * impair_poll_ms() - Timeout for poll() while a frame is held
 * @dflt:	Timeout otherwise, -1 for none
 *
 * Return: milliseconds
 */
static inline int impair_poll_ms(int dflt)
{
	if (!impair.held[IMPAIR_OUT].len && !impair.held[IMPAIR_IN].len)
		return dflt;
	return dflt >= 0 && dflt < IMPAIR_HOLD_MS ? dflt : IMPAIR_HOLD_MS;
}

/**
 * impair_report() - Print the counters, if impairing
 * @tool:	Tool name, for the prefix
 */
static inline void impair_report(const char *tool)
{
	static const char *const dn[IMPAIR_DIRS] = { "out", "in" };
	int d;

	if (!impair_on())
		return;
	for (d = 0; d < IMPAIR_DIRS; d++)
		fprintf(stderr, "%s: impair %s: %lu passed, %lu dropped, %lu "
			"duplicated, %lu held back\n", tool, dn[d],
			impair.n[d][IMPAIR_PASS], impair.n[d][IMPAIR_DROP],
			impair.n[d][IMPAIR_DUP], impair.n[d][IMPAIR_HOLD]);
}

#endif /* IMPAIR_H */
