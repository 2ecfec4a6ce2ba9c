/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portscan.h - Ports bound in a namespace, from /proc/net/{tcp,udp}[6] */

#ifndef PORTSCAN_H
#define PORTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTSCAN_PORTS		65536	/* one bit each */
#define PORTSCAN_WORDS		(PORTSCAN_PORTS / 64)

/* What a scan reads, and which sockets count as a bound port */
enum portscan_proto {
	PORTSCAN_TCP,		/* /proc/net/tcp, tcp6: state LISTEN */
	PORTSCAN_UDP,		/* /proc/net/udp, udp6: unconnected */
};

/**
 * struct portscan_map - A set of ports, 8 KiB
 * @bits:	Bit (port % 64) of word (port / 64) set if the port is in it
 */
struct portscan_map {
	uint64_t bits[PORTSCAN_WORDS];
};

/* Called by portscan_diff() for each port that changed */
typedef void (*portscan_change_fn)(void *arg, uint16_t port, bool bound);

void portscan_map_clear(struct portscan_map *map);
void portscan_map_set(struct portscan_map *map, uint16_t port);
void portscan_map_clear_port(struct portscan_map *map, uint16_t port);
void portscan_map_merge(struct portscan_map *map,
			const struct portscan_map *more);
bool portscan_map_has(const struct portscan_map *map, uint16_t port);
void portscan_exclude(struct portscan_map *map,
		      const struct portscan_map *exclude);
size_t portscan_parse(const char *buf, size_t len, enum portscan_proto proto,
		      struct portscan_map *map);
int portscan_read(int fd, enum portscan_proto proto, struct portscan_map *map,
		  const struct portscan_map *exclude);
unsigned int portscan_diff(const struct portscan_map *old,
			   const struct portscan_map *new_map,
			   portscan_change_fn fn, void *arg);

#endif /* PORTSCAN_H */
