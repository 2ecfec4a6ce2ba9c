/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.c - The flow table: allocation, lookup, sides, deferred free, sweeps */

#include "passt.h"
#include "flow.h"

/**
 * flow_init() - Set up the free list and hash table
 */
void flow_init(void)
{
}

/**
 * flow_tick() - Periodic sweeps, called by the loop's tick
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void flow_tick(struct ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}

/**
 * flow_dump() - Log the flow table and counters (SIGUSR1)
 * @c:		Execution context
 * @now_ms:	Current time, milliseconds
 */
void flow_dump(const struct ctx *c, uint64_t now_ms)
{
	(void)c;
	(void)now_ms;
}
