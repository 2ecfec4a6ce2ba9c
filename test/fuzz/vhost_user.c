/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/vhost_user.c - vhost-user messages from a hostile front-end
 *
 * The input is the front-end (qemu's place): a script of vhost-user messages
 * with their descriptors, writes into the guest memory it shares, and kicks.
 * The daemon is set up as with --vhost-user: vhost_user.c below tap.c, a
 * listening socket the fuzzer connects to (tap_listen_handler() accepts it),
 * and the control socket, the kick eventfds and every flow socket in the
 * epoll set, dispatched by fuzz_pump(). Messages go over the real socket
 * with SCM_RIGHTS, so vu_recv(), vu_cmd_handler() and every request handler
 * run as they do for qemu: header, version and size checks, partial reads,
 * descriptors kept, closed or refused, mappings made and replaced, rings
 * started and stopped, replies and REPLY_ACK.
 *
 * Input: records, one after the other, until the input ends.
 *   op & 3 == 0: a message, one sendmsg() (descriptors with it)
 *   op & 3 == 1: the same, header (and descriptors) and payload in two
 *	sends, so that the daemon sees a partial message first
 *	  then: request (u8, as is: 21 and up are unknown), descriptors
 *	  (u8: bits 0-3 how many, 0-15, more than a message may carry from
 *	  9 on; bits 4-6 the kind of the first, FUZZ_VU_FD_*; bit 7 each next
 *	  one of the next kind), payload size (le16, as the header says it,
 *	  above VU_PAYLOAD_MAX too), then that many payload bytes (fewer if the
 *	  input ends first). op bit 2 need_reply, bit 3 version 0 (bad), bit 4
 *	  the reply flag set (bad from a front-end).
 *   op & 3 == 2: write guest memory: offset (le16), length (u8), bytes
 *   op & 3 == 3: event: bits 2-3 write 1 to kick eventfd 0-2 (3: none),
 *	then the clock moves (op >> 4) seconds, and events are handled.
 *
 * Guest memory is one memfd of FUZZ_VU_MEM_BYTES, zeroed before each input,
 * written here through our own mapping of it (the driver's side); a seed's
 * table puts it at guest address 0 and front-end address FUZZ_VU_UVA. After
 * each record, pending events are handled and the daemon's replies read.
 * After each input the front-end closes its socket: the daemon must notice
 * and drop it, unmapping everything and closing every descriptor it was
 * given, so that the next input starts from a fresh connection. A message
 * the daemon drops the front-end for ends that connection in the middle of
 * an input; the next message record connects again.
 *
 * Seeds: test/fuzz/seeds.py, vhost_user_seeds(): qemu's handshake, traffic
 * both ways, a memory table changed under running rings, resets, and every
 * malformed message class.
 *
 * Invariants, beyond the sanitizers:
 *   every reply has version 1, the reply flag, and an 8-byte payload;
 *   once the front-end is gone, nothing of guest memory is mapped
 *   (vu_mapped_bytes() and /proc/self/maps) and, every FUZZ_DRAIN_RUNS
 *   inputs, no descriptor is left open (fuzz_check_drained()).
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/un.h>

#include "fuzz.h"
#include "vhost_user.h"

#define FUZZ_VU_MEM_BYTES	(64 * 1024)	/* guest memory, one memfd */
#define FUZZ_VU_SHORT_BYTES	4096	/* a memfd shorter than any region */
#define FUZZ_VU_UVA		0x7f0000000000ULL	/* seeds' front-end base */
#define FUZZ_VU_EFDS		3	/* kick and call eventfds */
#define FUZZ_VU_FDS_MAX		15	/* descriptors a record may send */
#define FUZZ_VU_HDR_BYTES	12	/* request, flags, size */
#define FUZZ_VU_REPLY_FLAGS	0x5	/* version 1, reply */
#define FUZZ_VU_TICK_MS		1000	/* fake time per input */

/* Descriptor kinds a message may carry */
enum fuzz_vu_fd {
	FUZZ_VU_FD_MEM,		/* guest memory */
	FUZZ_VU_FD_EFD0,	/* eventfds, for kicks and calls */
	FUZZ_VU_FD_EFD1,
	FUZZ_VU_FD_EFD2,
	FUZZ_VU_FD_PIPE,	/* neither mappable nor an eventfd */
	FUZZ_VU_FD_SHORT,	/* memfd of FUZZ_VU_SHORT_BYTES */
	FUZZ_VU_FD_DEVNULL,	/* a character device, not mappable */
	FUZZ_VU_FD_MEM_RO,	/* guest memory, opened read-only */
	FUZZ_VU_FD_KINDS,
};

static struct ctx fuzz_c;
static struct sockaddr_un fuzz_vu_addr;	/* abstract, per process */
static socklen_t fuzz_vu_addr_len;
static int fuzz_vu_fds[FUZZ_VU_FD_KINDS];
static int fuzz_vu_efd[FUZZ_VU_EFDS];
static int fuzz_vu_pipe_w = -1;
static uint8_t *fuzz_vu_mem;		/* our mapping of guest memory */
static int fuzz_vu_fe = -1;		/* front-end's end of the socket */
static uint8_t fuzz_vu_rbuf[256];	/* replies, partly read */
static size_t fuzz_vu_rlen;
static uint64_t fuzz_now_ms;
static unsigned long fuzz_runs;
static int fuzz_fd_base;

/**
 * fuzz_vu_fail() - Report a broken invariant and abort
 * @what:	Which one
 */
__attribute__((noreturn)) static void fuzz_vu_fail(const char *what)
{
	fprintf(stderr, "fuzz: vhost_user: %s\n", what);
	abort();
}

/**
 * fuzz_vu_listen() - Listen on an abstract socket, as the daemon on its path
 * @c:		Context: c->fd_tap_listen is set
 */
static void fuzz_vu_listen(struct ctx *c)
{
	int fd;

	fuzz_vu_addr.sun_family = AF_UNIX;
	snprintf(fuzz_vu_addr.sun_path + 1, sizeof(fuzz_vu_addr.sun_path) - 1,
		 "passt-fuzz-vhost-user-%d", (int)getpid());
	fuzz_vu_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				       1 + strlen(fuzz_vu_addr.sun_path + 1));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    bind(fd, (const struct sockaddr *)&fuzz_vu_addr,
		 fuzz_vu_addr_len) ||
	    listen(fd, 1))
		fuzz_vu_fail("cannot listen on an abstract unix socket");
	c->fd_tap_listen = fd;
}

/**
 * fuzz_vu_memfd() - A zeroed memfd
 * @name:	Its name, in /proc/self/maps
 * @bytes:	Size
 *
 * Return: descriptor
 */
static int fuzz_vu_memfd(const char *name, size_t bytes)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)bytes))
		fuzz_vu_fail("memfd_create() or ftruncate() failed");
	return fd;
}

/**
 * fuzz_vu_fds_init() - Descriptors messages carry (duplicated when sent)
 */
static void fuzz_vu_fds_init(void)
{
	char path[64];
	int p[2], i;

	fuzz_vu_fds[FUZZ_VU_FD_MEM] = fuzz_vu_memfd("fuzz-vu-mem",
						    FUZZ_VU_MEM_BYTES);
	fuzz_vu_mem = mmap(NULL, FUZZ_VU_MEM_BYTES, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fuzz_vu_fds[FUZZ_VU_FD_MEM], 0);
	if (fuzz_vu_mem == MAP_FAILED)
		fuzz_vu_fail("cannot map guest memory");
	for (i = 0; i < FUZZ_VU_EFDS; i++) {
		fuzz_vu_efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fuzz_vu_efd[i] < 0)
			fuzz_vu_fail("eventfd() failed");
		fuzz_vu_fds[FUZZ_VU_FD_EFD0 + i] = fuzz_vu_efd[i];
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		fuzz_vu_fail("pipe2() failed");
	fuzz_vu_fds[FUZZ_VU_FD_PIPE] = p[0];
	fuzz_vu_pipe_w = p[1];
	fuzz_vu_fds[FUZZ_VU_FD_SHORT] = fuzz_vu_memfd("fuzz-vu-short",
						      FUZZ_VU_SHORT_BYTES);
	fuzz_vu_fds[FUZZ_VU_FD_DEVNULL] = open("/dev/null",
					       O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d",
		 fuzz_vu_fds[FUZZ_VU_FD_MEM]);
	fuzz_vu_fds[FUZZ_VU_FD_MEM_RO] = open(path, O_RDONLY | O_CLOEXEC);
	if (fuzz_vu_fds[FUZZ_VU_FD_DEVNULL] < 0 ||
	    fuzz_vu_fds[FUZZ_VU_FD_MEM_RO] < 0)
		fuzz_vu_fail("cannot open /dev/null or reopen the memfd");
}

/**
 * LLVMFuzzerInitialize() - One-time set-up: daemon as --vhost-user, memory
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ctx *c = &fuzz_c;

	(void)argc;
	(void)argv;
	fuzz_log_init();
	fuzz_ctx_init(c);
	c->vhost_user = true;
	fuzz_daemon_init(c);
	vu_init(c);
	fuzz_vu_listen(c);
	fuzz_vu_fds_init();
	fuzz_now_ms = util_now_ms();
	fuzz_fd_base = fuzz_fd_count();
	return 0;
}

/**
 * fuzz_vu_connect() - Connect as a new front-end, have the daemon accept it
 * @c:		Context
 */
static void fuzz_vu_connect(struct ctx *c)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)&fuzz_vu_addr,
			      fuzz_vu_addr_len))
		fuzz_vu_fail("cannot connect to the daemon");
	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		fuzz_vu_fail("fcntl() failed");
	tap_listen_handler(c, EPOLLIN);
	if (c->fd_tap < 0)
		fuzz_vu_fail("daemon did not accept the front-end");
	fuzz_vu_fe = fd;
	fuzz_vu_rlen = 0;
}

/**
 * fuzz_vu_replies() - Read what the daemon answered, check each reply
 */
static void fuzz_vu_replies(void)
{
	ssize_t n;

	while ((n = read(fuzz_vu_fe, fuzz_vu_rbuf + fuzz_vu_rlen,
			 sizeof(fuzz_vu_rbuf) - fuzz_vu_rlen)) > 0) {
		size_t off = 0;

		fuzz_vu_rlen += (size_t)n;
		while (fuzz_vu_rlen - off >= FUZZ_VU_HDR_BYTES) {
			uint32_t flags, size;

			memcpy(&flags, fuzz_vu_rbuf + off + 4, 4);
			memcpy(&size, fuzz_vu_rbuf + off + 8, 4);
			if (flags != FUZZ_VU_REPLY_FLAGS || size != 8)
				fuzz_vu_fail("reply with bad flags or size");
			if (fuzz_vu_rlen - off < FUZZ_VU_HDR_BYTES + size)
				break;
			off += FUZZ_VU_HDR_BYTES + size;
		}
		memmove(fuzz_vu_rbuf, fuzz_vu_rbuf + off, fuzz_vu_rlen - off);
		fuzz_vu_rlen -= off;
	}
}

/**
 * fuzz_vu_send() - Send bytes, with descriptors, as the front-end
 * @buf:	Bytes
 * @len:	Their length, non-zero
 * @fds:	Descriptors to pass
 * @nfds:	How many
 *
 * A failure (the daemon dropped us) is not an error here.
 */
static void fuzz_vu_send(const void *buf, size_t len, const int *fds,
			 unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FUZZ_VU_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	(void)sendmsg(fuzz_vu_fe, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/**
 * fuzz_vu_msg() - One message record: build it, send it
 * @c:		Context
 * @op:		Record's first byte
 * @p:		Rest of the input
 * @len:	Bytes in @p
 *
 * Return: bytes of @p used
 */
static size_t fuzz_vu_msg(struct ctx *c, uint8_t op, const uint8_t *p,
			  size_t len)
{
	static uint8_t msg[FUZZ_VU_HDR_BYTES + 65535];
	uint32_t req, flags, size;
	int fds[FUZZ_VU_FDS_MAX];
	unsigned int nfds, i;
	size_t have;

	if (len < 4)
		return len;
	if (c->fd_tap < 0) {		/* dropped: a new front-end */
		close(fuzz_vu_fe);
		fuzz_vu_connect(c);
	}
	req = p[0];
	nfds = p[1] & 0xf;
	for (i = 0; i < nfds; i++) {
		unsigned int kind = (p[1] >> 4 & 7) + ((p[1] & 0x80) ? i : 0);

		fds[i] = fuzz_vu_fds[kind % FUZZ_VU_FD_KINDS];
	}
	size = (uint32_t)(p[2] | p[3] << 8);
	flags = (op & 8) ? 0 : 1;
	flags |= (op & 4) ? 0x8 : 0;
	flags |= (op & 16) ? 0x4 : 0;
	have = MIN((size_t)size, len - 4);

	memcpy(msg, &req, 4);
	memcpy(msg + 4, &flags, 4);
	memcpy(msg + 8, &size, 4);
	memcpy(msg + FUZZ_VU_HDR_BYTES, p + 4, have);
	if ((op & 3) == 1 && have) {
		fuzz_vu_send(msg, FUZZ_VU_HDR_BYTES, fds, nfds);
		fuzz_pump(c, fuzz_now_ms);
		fuzz_vu_send(msg + FUZZ_VU_HDR_BYTES, have, NULL, 0);
	} else {
		fuzz_vu_send(msg, FUZZ_VU_HDR_BYTES + have, fds, nfds);
	}
	return 4 + have;
}

/**
 * fuzz_vu_mem_write() - A guest memory write record, as the driver's
 * @p:		Record after its op byte: offset (le16), length, bytes
 * @len:	Bytes in @p
 *
 * Return: bytes of @p used
 */
static size_t fuzz_vu_mem_write(const uint8_t *p, size_t len)
{
	size_t off, n;

	if (len < 3)
		return len;
	off = (size_t)(p[0] | p[1] << 8) % FUZZ_VU_MEM_BYTES;
	n = MIN((size_t)p[2], len - 3);
	memcpy(fuzz_vu_mem + off, p + 3, MIN(n, FUZZ_VU_MEM_BYTES - off));
	return 3 + n;
}

/**
 * fuzz_vu_efds_drain() - Reset every eventfd's counter to zero
 */
static void fuzz_vu_efds_drain(void)
{
	uint64_t v;
	int i;

	for (i = 0; i < FUZZ_VU_EFDS; i++)
		while (read(fuzz_vu_efd[i], &v, sizeof(v)) > 0)
			;
}

/**
 * fuzz_vu_maps_clean() - Is no guest memory mapped but our own view?
 *
 * Return: true if /proc/self/maps has one fuzz-vu-mem mapping, no other
 */
static bool fuzz_vu_maps_clean(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, "memfd:fuzz-vu-");
	fclose(f);
	return n == 1;
}

/**
 * LLVMFuzzerTestOneInput() - One front-end: connect, run the script, leave
 * @data:	Records
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx *c = &fuzz_c;
	size_t off = 0;

	memset(fuzz_vu_mem, 0, FUZZ_VU_MEM_BYTES);
	fuzz_vu_efds_drain();
	fuzz_vu_connect(c);

	while (off < size) {
		uint8_t op = data[off++];
		const uint8_t *p = data + off;
		uint64_t v = 1;

		switch (op & 3) {
		case 0:
		case 1:
			off += fuzz_vu_msg(c, op, p, size - off);
			break;
		case 2:
			off += fuzz_vu_mem_write(p, size - off);
			continue;		/* the guest does not wait */
		case 3:
			if ((op >> 2 & 3) < FUZZ_VU_EFDS &&
			    write(fuzz_vu_efd[op >> 2 & 3], &v, sizeof(v)) < 0)
				fuzz_vu_fail("eventfd write failed");
			fuzz_now_ms += (uint64_t)(op >> 4) * 1000;
			flow_tick(c, fuzz_now_ms);
			break;
		}
		fuzz_pump(c, fuzz_now_ms);
		tap_flush(c);
		if (fuzz_vu_fe >= 0)
			fuzz_vu_replies();
	}

	/* The front-end leaves: everything it gave must be let go */
	close(fuzz_vu_fe);
	fuzz_vu_fe = -1;
	fuzz_pump(c, fuzz_now_ms);
	if (c->fd_tap >= 0)
		fuzz_vu_fail("front-end gone, daemon still attached");
	if (vu_mapped_bytes())
		fuzz_vu_fail("front-end gone, guest memory still mapped");
	flow_tick(c, fuzz_now_ms);
	tap_flush(c);

	fuzz_now_ms += FUZZ_VU_TICK_MS;
	if (!(++fuzz_runs % FUZZ_DRAIN_RUNS)) {
		fuzz_check_drained(c, &fuzz_now_ms, -1, fuzz_fd_base);
		if (!fuzz_vu_maps_clean())
			fuzz_vu_fail("guest memory mapped with no front-end");
	}
	return 0;
}
