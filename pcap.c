/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap.c - Capture of every frame to a classic pcap file
 *
 * The classic libpcap format: a global header (magic 0xa1b2c3d4, version
 * 2.4, link type 1 = Ethernet), then per frame a record header with the
 * wall-clock timestamp in seconds and microseconds, the captured and the
 * original length, then the frame. Frames in both directions are written as
 * they cross the tap side. The file is opened before the sandbox is set up;
 * after that only write() is used.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pcap.h"

#define PCAP_MAGIC		0xa1b2c3d4U
#define PCAP_SNAPLEN		65535U	/* bytes captured per frame at most */
#define PCAP_LINKTYPE_ETHERNET	1U
#define PCAP_IOV_MAX		64	/* segments of one frame */

static int pcap_fd = -1;

struct pcap_global_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

/**
 * pcap_init() - Create the capture file and write the global header
 * @path:	File path, or NULL/empty for no capture
 *
 * Return: 0 on success, -errno on failure
 */
int pcap_init(const char *path)
{
	struct pcap_global_hdr h = {
		.magic = PCAP_MAGIC, .major = 2, .minor = 4,
		.snaplen = PCAP_SNAPLEN, .linktype = PCAP_LINKTYPE_ETHERNET,
	};

	if (!path || !*path)
		return 0;
	pcap_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (pcap_fd < 0)
		return -errno;
	if (write(pcap_fd, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
		close(pcap_fd);
		pcap_fd = -1;
		return -EIO;
	}
	log_info("Saving packet capture to %s", path);
	return 0;
}

/**
 * pcap_active() - Is a capture being written?
 *
 * Return: true if frames are captured
 */
bool pcap_active(void)
{
	return pcap_fd >= 0;
}

/**
 * pcap_iov() - Write one frame given as segments
 * @iov:	Segments of the frame
 * @iovcnt:	Number of segments
 * @skip:	Bytes to skip at the start (framing prefix)
 *
 * #syscalls writev clock_gettime
 */
void pcap_iov(const struct iovec *iov, int iovcnt, size_t skip)
{
	struct iovec out[PCAP_IOV_MAX + 1];
	struct pcap_rec_hdr rh;
	struct timespec ts;
	size_t len = 0, room = PCAP_SNAPLEN;
	int i, n = 1;

	if (pcap_fd < 0)
		return;

	for (i = 0; i < iovcnt && n <= PCAP_IOV_MAX; i++) {
		const char *base = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		base += skip;
		l -= skip;
		skip = 0;
		len += l;
		if (l > room)
			l = room;
		room -= l;
		if (!l)
			continue;
		out[n].iov_base = (void *)(uintptr_t)base;
		out[n++].iov_len = l;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	rh.ts_sec = (uint32_t)ts.tv_sec;
	rh.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	rh.incl_len = (uint32_t)(PCAP_SNAPLEN - room);
	rh.orig_len = (uint32_t)len;
	out[0].iov_base = &rh;
	out[0].iov_len = sizeof(rh);

	if (writev(pcap_fd, out, n) < 0)
		log_debug("pcap: writev: %s", strerror(errno));
}

/**
 * pcap_frame() - Write one frame from a flat buffer
 * @frame:	Ethernet frame
 * @len:	Length, bytes
 */
void pcap_frame(const void *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)frame,
			     .iov_len = len };

	pcap_iov(&iov, 1, 0);
}

/**
 * pcap_close() - Close the capture file
 *
 * #syscalls close
 */
void pcap_close(void)
{
	if (pcap_fd >= 0)
		close(pcap_fd);
	pcap_fd = -1;
}
