/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap.h - Capture of every frame to a classic pcap file */

#ifndef PCAP_H
#define PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

int pcap_init(const char *path);
void pcap_frame(const void *frame, size_t len);
void pcap_iov(const struct iovec *iov, int iovcnt, size_t skip);
void pcap_close(void);
bool pcap_active(void);

#endif /* PCAP_H */
