/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/tcp_flow.c - One TCP connection through the daemon, driven by
 * the input: guest segments (options, sequence and acknowledgement numbers,
 * windows, flags, data) against a real host peer
 *
 * Each input opens a new connection from the guest (192.0.2.2 or
 * 2001:db8:1::2, a new source port) to the gateway's FUZZ_TCP_PORT, which
 * the daemon maps to the host's loopback, where this process listens (in
 * the fuzzer's own network namespace: test/fuzz/run). The harness reads the
 * daemon's frames to the guest to follow its sequence numbers, so that
 * input-chosen offsets stay near the window edges where the checks are.
 *
 * Input: byte 0 selects (bit 0) IPv6, (bit 1) no handshake ACK from the
 * guest; byte 1 is the length of the SYN's TCP options (up to 40), which
 * follow. The rest is a list of operations, two bytes each (op, arg), some
 * followed by more bytes:
 *   0 guest data: arg bytes of payload from the input, in sequence
 *   1 guest segment: flags arg, then int8 sequence and int8 acknowledgement
 *     offsets (times 256 if the offset byte's low bit is set) from the
 *     expected values, window 65535
 *   2 guest pure ACK advertising window arg * 256 (0: zero window)
 *   3 host peer writes arg * 256 bytes
 *   4 host peer: arg & 3 = 0 shutdown(SHUT_WR), 1 abortive close (RST),
 *     2 read everything available, 3 shutdown(SHUT_RD)
 *   5 time passes: arg * 100 ms, with the flow sweep
 * After each operation, socket and timer events are pumped. At the end the
 * guest resets the connection; every FUZZ_DRAIN_RUNS inputs the table must
 * drain completely once the clock jumps a day (fuzz_check_drained()).
 */

#include <errno.h>
#include <netinet/in.h>

#include "checksum.h"
#include "fuzz.h"

#define FUZZ_TCP_PORT		8080	/* where the host peer listens */
#define FUZZ_TCP_SPORT_BASE	10000	/* guest source ports from here */
#define FUZZ_TCP_SPORTS		50000
#define FUZZ_TCP_OPS_MAX	64	/* operations per input */
#define FUZZ_TCP_WRITE_BYTES	(255 * 256)

#define FUZZ_FIN	0x01
#define FUZZ_SYN	0x02
#define FUZZ_RST	0x04
#define FUZZ_PSH	0x08
#define FUZZ_ACK	0x10

static struct ctx fuzz_c;
static int fuzz_peer = -1;		/* guest's end of the tap socketpair */
static int fuzz_listen4 = -1, fuzz_listen6 = -1;
static uint8_t fuzz_rx[TAP_FRAME_MAX + TAP_LEN_PREFIX + 65536];
static size_t fuzz_rx_used;		/* bytes of a cut frame in fuzz_rx */
static uint64_t fuzz_now_ms;
static unsigned long fuzz_runs;
static int fuzz_fd_base;

/**
 * struct fuzz_tcp - The connection under test, as the guest sees it
 * @v6:		IPv6 instead of IPv4
 * @sport:	Guest's port
 * @snd_nxt:	Guest's next sequence number
 * @peer_nxt:	Next sequence number expected from the daemon
 * @synack:	SYN-ACK seen from the daemon
 * @rst:	RST seen from the daemon
 * @host:	Accepted host-side socket, -1 if none
 */
struct fuzz_tcp {
	bool v6;
	uint16_t sport;
	uint32_t snd_nxt;
	uint32_t peer_nxt;
	bool synack;
	bool rst;
	int host;
};

/**
 * fuzz_listen() - Listening socket on a loopback address, non-blocking
 * @af:		AF_INET or AF_INET6
 *
 * Return: socket, aborts on failure
 */
static int fuzz_listen(int af)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(FUZZ_TCP_PORT),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(FUZZ_TCP_PORT),
				  .sin_addr = { htonl(INADDR_LOOPBACK) } };
	int s = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (s < 0)
		abort();
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if ((af == AF_INET ? bind(s, (struct sockaddr *)&a4, sizeof(a4)) :
			     bind(s, (struct sockaddr *)&a6, sizeof(a6))) ||
	    listen(s, 1024)) {
		fprintf(stderr, "fuzz: listen on loopback port %d: %s (run "
			"in a fresh network namespace: test/fuzz/run)\n",
			FUZZ_TCP_PORT, strerror(errno));
		abort();
	}
	return s;
}

/**
 * LLVMFuzzerInitialize() - One-time set-up: modules, tap pair, listeners
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
	fuzz_ctx_init(&fuzz_c);
	fuzz_daemon_init(&fuzz_c);
	fuzz_peer = fuzz_tap_pair(&fuzz_c);
	fuzz_listen4 = fuzz_listen(AF_INET);
	fuzz_listen6 = fuzz_listen(AF_INET6);
	fuzz_now_ms = util_now_ms();
	fuzz_fd_base = fuzz_fd_count();
	return 0;
}

/**
 * fuzz_tcp_seen() - Follow one frame the daemon sent to the guest
 * @t:		Connection
 * @f:		Ethernet frame
 * @len:	Length, bytes
 */
static void fuzz_tcp_seen(struct fuzz_tcp *t, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HDR_LEN, *th;
	size_t ihl, plen;
	uint32_t seq, end;

	if (len < ETH_HDR_LEN + 40)
		return;
	if (util_get_be16(f + 12) == 0x0800 && ip[9] == IPPROTO_TCP) {
		ihl = (size_t)(ip[0] & 0xf) * 4;
		plen = util_get_be16(ip + 2);
		if (plen > len - ETH_HDR_LEN || plen < ihl + 20)
			return;
		th = ip + ihl;
		plen -= ihl;
	} else if (util_get_be16(f + 12) == 0x86dd && ip[6] == IPPROTO_TCP &&
		   len >= ETH_HDR_LEN + 60) {
		th = ip + 40;
		plen = util_get_be16(ip + 4);
		if (plen > len - ETH_HDR_LEN - 40 || plen < 20)
			return;
	} else {
		return;
	}
	if (util_get_be16(th + 2) != t->sport)
		return;
	seq = util_get_be32(th + 4);
	end = seq + (uint32_t)(plen - (size_t)(th[12] >> 4) * 4);
	if (th[13] & FUZZ_RST) {
		t->rst = true;
		return;
	}
	if (th[13] & FUZZ_SYN) {
		t->synack = true;
		t->peer_nxt = seq + 1;
		return;
	}
	end += th[13] & FUZZ_FIN;
	if ((int32_t)(end - t->peer_nxt) > 0)
		t->peer_nxt = end;
}

/**
 * fuzz_tcp_read() - Read and follow every frame the daemon sent the guest
 * @t:		Connection
 */
static void fuzz_tcp_read(struct fuzz_tcp *t)
{
	size_t off, consumed, foff, flen;
	ssize_t n;
	int r;

	while ((n = read(fuzz_peer, fuzz_rx + fuzz_rx_used,
			 sizeof(fuzz_rx) - fuzz_rx_used)) > 0) {
		fuzz_rx_used += (size_t)n;
		off = 0;
		while ((r = tap_parse_stream(fuzz_rx + off, fuzz_rx_used - off,
					     &consumed, &foff, &flen)) > 0) {
			fuzz_tcp_seen(t, fuzz_rx + off + foff, flen);
			off += consumed;
		}
		if (r < 0) {
			fprintf(stderr, "fuzz: daemon sent the guest a bad "
				"length prefix\n");
			abort();
		}
		memmove(fuzz_rx, fuzz_rx + off, fuzz_rx_used - off);
		fuzz_rx_used -= off;
	}
}

/**
 * fuzz_tcp_step() - Let the daemon run: batches, socket events, output
 * @t:		Connection
 */
static void fuzz_tcp_step(struct fuzz_tcp *t)
{
	tap_frames_end(&fuzz_c, fuzz_now_ms);
	tap_flush(&fuzz_c);
	fuzz_tcp_read(t);
	fuzz_pump(&fuzz_c, fuzz_now_ms);
	tap_flush(&fuzz_c);
	fuzz_tcp_read(t);
}

/**
 * fuzz_tcp_send() - Send one segment from the guest to the gateway
 * @t:		Connection
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	TCP flags
 * @wnd:	Window field
 * @opts:	Options, or NULL
 * @optlen:	Length of @opts, padded to 4 bytes here
 * @data:	Payload, or NULL
 * @len:	Payload length
 */
static void fuzz_tcp_send(const struct fuzz_tcp *t, uint32_t seq,
			  uint32_t ack, uint8_t flags, uint16_t wnd,
			  const uint8_t *opts, size_t optlen,
			  const uint8_t *data, size_t len)
{
	static const uint8_t guest_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	static uint8_t f[ETH_HDR_LEN + 40 + 60 + 256];
	struct in6_addr src6 = fuzz_addr6("2001:db8:1::2");
	struct in6_addr dst6 = fuzz_addr6("2001:db8:1::1");
	struct in_addr src4 = fuzz_addr4("192.0.2.2");
	struct in_addr dst4 = fuzz_addr4("192.0.2.1");
	size_t iphl = t->v6 ? 40 : 20, thl = 20 + ((optlen + 3) & ~3UL);
	uint8_t *ip = f + ETH_HDR_LEN, *th = ip + iphl;

	memcpy(f, fuzz_c.our_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	util_put_be16(f + 12, t->v6 ? 0x86dd : 0x0800);
	memset(th, 0, thl);
	util_put_be16(th, t->sport);
	util_put_be16(th + 2, FUZZ_TCP_PORT);
	util_put_be32(th + 4, seq);
	util_put_be32(th + 8, ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	util_put_be16(th + 14, wnd);
	if (optlen)
		memcpy(th + 20, opts, optlen);
	if (len)
		memcpy(th + thl, data, len);
	if (t->v6) {
		util_put_be32(ip, 0x60000000U);
		util_put_be16(ip + 4, (uint16_t)(thl + len));
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, &src6, 16);
		memcpy(ip + 24, &dst6, 16);
		util_put_be16(th + 16, csum_l4_6(&src6, &dst6, IPPROTO_TCP, th,
						 thl + len));
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		util_put_be16(ip + 2, (uint16_t)(20 + thl + len));
		util_put_be16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, &src4, 4);
		memcpy(ip + 16, &dst4, 4);
		util_put_be16(ip + 10, csum(ip, 20, 0));
		util_put_be16(th + 16, csum_l4_4(src4, dst4, IPPROTO_TCP, th,
						 thl + len));
	}
	tap_frame_in(&fuzz_c, f, ETH_HDR_LEN + iphl + thl + len, fuzz_now_ms);
}

/**
 * fuzz_tcp_accept() - Accept what reached the host peer; keep the newest
 * @t:		Connection
 */
static void fuzz_tcp_accept(struct fuzz_tcp *t)
{
	int l = t->v6 ? fuzz_listen6 : fuzz_listen4, s;

	while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		if (t->host >= 0)
			close(t->host);
		t->host = s;
	}
}

/**
 * fuzz_tcp_host_op() - Host peer actions (operations 3 and 4)
 * @t:		Connection
 * @op:		Operation
 * @arg:	Its argument
 */
static void fuzz_tcp_host_op(struct fuzz_tcp *t, uint8_t op, uint8_t arg)
{
	static uint8_t buf[FUZZ_TCP_WRITE_BYTES];
	struct linger lg = { 1, 0 };

	if (t->host < 0)
		return;
	if (op == 3) {
		send(t->host, buf, (size_t)arg * 256,
		     MSG_DONTWAIT | MSG_NOSIGNAL);
		return;
	}
	switch (arg & 3) {
	case 0:
		shutdown(t->host, SHUT_WR);
		break;
	case 1:
		setsockopt(t->host, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(t->host);
		t->host = -1;
		break;
	case 2:
		while (recv(t->host, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		break;
	case 3:
		shutdown(t->host, SHUT_RD);
		break;
	}
}

/**
 * fuzz_tcp_off() - Signed offset from an input byte
 * @b:		Byte: low bit set scales the rest by 256
 *
 * Return: offset
 */
static int32_t fuzz_tcp_off(uint8_t b)
{
	int32_t v = (int8_t)b >> 1;

	return (b & 1) ? v * 256 : v;
}

/**
 * LLVMFuzzerTestOneInput() - One connection's life from one input
 * @data:	See the file's header
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_tcp t = { .host = -1 };
	const uint8_t *end = data + size;
	size_t optlen;
	int ops = 0;

	if (size < 2)
		return 0;
	t.v6 = data[0] & 1;
	t.sport = (uint16_t)(FUZZ_TCP_SPORT_BASE + fuzz_runs % FUZZ_TCP_SPORTS);
	t.snd_nxt = 0x10000000U;
	optlen = MIN((size_t)data[1], MIN((size_t)40, size - 2));

	fuzz_tcp_send(&t, t.snd_nxt++, 0, FUZZ_SYN, 65535, data + 2, optlen,
		      NULL, 0);
	fuzz_tcp_step(&t);
	fuzz_tcp_step(&t);
	fuzz_tcp_accept(&t);
	if (t.synack && !(data[0] & 2)) {
		fuzz_tcp_send(&t, t.snd_nxt, t.peer_nxt, FUZZ_ACK, 65535,
			      NULL, 0, NULL, 0);
		fuzz_tcp_step(&t);
	}

	data += 2 + optlen;
	while (end - data >= 2 && ops++ < FUZZ_TCP_OPS_MAX) {
		uint8_t op = data[0] % 6, arg = data[1];
		size_t len;

		data += 2;
		switch (op) {
		case 0:
			len = MIN((size_t)arg, (size_t)(end - data));
			fuzz_tcp_send(&t, t.snd_nxt, t.peer_nxt,
				      FUZZ_ACK | FUZZ_PSH, 65535, NULL, 0,
				      data, len);
			t.snd_nxt += (uint32_t)len;
			data += len;
			break;
		case 1:
			if (end - data < 2)
				break;
			fuzz_tcp_send(&t, t.snd_nxt + (uint32_t)fuzz_tcp_off(data[0]),
				      t.peer_nxt + (uint32_t)fuzz_tcp_off(data[1]),
				      arg, 65535, NULL, 0, NULL, 0);
			if (!data[0] && (arg & (FUZZ_SYN | FUZZ_FIN)))
				t.snd_nxt++;
			data += 2;
			break;
		case 2:
			fuzz_tcp_send(&t, t.snd_nxt, t.peer_nxt, FUZZ_ACK,
				      (uint16_t)(arg * 256), NULL, 0, NULL, 0);
			break;
		case 3:
		case 4:
			fuzz_tcp_accept(&t);
			fuzz_tcp_host_op(&t, op, arg);
			break;
		case 5:
			fuzz_now_ms += (uint64_t)arg * 100;
			flow_tick(&fuzz_c, fuzz_now_ms);
			break;
		}
		fuzz_tcp_step(&t);
	}

	fuzz_tcp_send(&t, t.snd_nxt, 0, FUZZ_RST, 0, NULL, 0, NULL, 0);
	fuzz_tcp_step(&t);
	fuzz_tcp_accept(&t);
	if (t.host >= 0)
		close(t.host);
	fuzz_now_ms += 1000;
	flow_tick(&fuzz_c, fuzz_now_ms);
	fuzz_tcp_step(&t);

	if (!(++fuzz_runs % FUZZ_DRAIN_RUNS)) {
		fuzz_check_drained(&fuzz_c, &fuzz_now_ms, -1, fuzz_fd_base);
		fuzz_tcp_read(&t);
		fuzz_tcp_accept(&t);	/* late arrivals */
		if (t.host >= 0)
			close(t.host);
	}
	return 0;
}
