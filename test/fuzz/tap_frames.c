/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test/fuzz/tap_frames.c - The whole tap-side input path, as a byte stream
 *
 * Input: what a guest writes to the socket, qemu stream framing included (a
 * 32-bit big-endian length, then the frame, repeated). Each complete frame
 * goes through tap_frame_in(), batches through tap_frames_end(), exactly as
 * tap_handler() does after a read(); a length prefix tap_parse_stream()
 * rejects ends the input, as it ends the guest's connection.
 *
 * The tap side is one end of a socketpair, so tap_flush() and the output
 * queue run for real; the other end is drained and discarded. Flows the
 * frames create open host sockets in the fuzzer's network namespace (only a
 * loopback link: test/fuzz/run), and socket and timer events are pumped
 * after every input. A fake clock moves one second per input.
 *
 * Invariants checked every FUZZ_DRAIN_RUNS inputs: once the clock jumps past
 * every timeout, the flow table is empty and no socket is left open (beyond
 * FUZZ_FD_SLACK for libFuzzer's own use). Otherwise guest input could fill
 * the table or leak descriptors for good.
 *
 * The custom mutator repairs IPv4 header and ICMPv6 checksums in 7 of 8
 * mutated inputs, so that mutations reach the code behind those checks.
 */

#include "checksum.h"
#include "fuzz.h"

#define FUZZ_TICK_MS		1000	/* fake time per input */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

static struct ctx fuzz_c;
static int fuzz_peer = -1;		/* guest's end of the socketpair */
static uint64_t fuzz_now_ms;
static unsigned long fuzz_runs;
static int fuzz_fd_base;

/**
 * LLVMFuzzerInitialize() - One-time set-up: context, modules, tap socketpair
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
	fuzz_now_ms = util_now_ms();
	fuzz_fd_base = fuzz_fd_count();
	return 0;
}

/**
 * LLVMFuzzerTestOneInput() - Feed one stream of guest bytes
 * @data:	Stream: length-prefixed frames
 * @size:	Bytes
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx *c = &fuzz_c;
	size_t off = 0, consumed, foff, flen;

	while (tap_parse_stream(data + off, size - off, &consumed, &foff,
				&flen) > 0) {
		tap_frame_in(c, data + off + foff, flen, fuzz_now_ms);
		off += consumed;
	}
	tap_frames_end(c, fuzz_now_ms);
	tap_flush(c);
	fuzz_tap_discard(fuzz_peer);

	fuzz_pump(c, fuzz_now_ms);
	flow_tick(c, fuzz_now_ms);
	tap_flush(c);
	fuzz_tap_discard(fuzz_peer);

	fuzz_now_ms += FUZZ_TICK_MS;
	if (!(++fuzz_runs % FUZZ_DRAIN_RUNS))
		fuzz_check_drained(c, &fuzz_now_ms, fuzz_peer, fuzz_fd_base);
	return 0;
}

/**
 * fuzz_fix_frame() - Recompute IPv4 header and ICMPv6 checksums in a frame
 * @f:		Ethernet frame, modified in place
 * @len:	Length, bytes
 */
static void fuzz_fix_frame(uint8_t *f, size_t len)
{
	uint8_t *ip = f + ETH_HDR_LEN;
	size_t ihl, plen;

	if (len < ETH_HDR_LEN + 20)
		return;
	if (util_get_be16(f + 12) == 0x0800) {
		ihl = (size_t)(ip[0] & 0xf) * 4;
		if (ihl < 20 || ETH_HDR_LEN + ihl > len)
			return;
		util_put_be16(ip + 10, 0);
		util_put_be16(ip + 10, csum(ip, ihl, 0));
	} else if (util_get_be16(f + 12) == 0x86dd && len >= ETH_HDR_LEN + 44 &&
		   ip[6] == IPPROTO_ICMPV6) {
		struct in6_addr src, dst;

		plen = util_get_be16(ip + 4);
		if (plen < 4 || ETH_HDR_LEN + 40 + plen > len)
			return;
		memcpy(&src, ip + 8, 16);
		memcpy(&dst, ip + 24, 16);
		util_put_be16(ip + 42, 0);
		util_put_be16(ip + 42, csum_l4_6(&src, &dst, IPPROTO_ICMPV6,
						 ip + 40, plen));
	}
}

/**
 * LLVMFuzzerCustomMutator() - Default mutation, then mostly-valid checksums
 * @data:	Input, mutated in place
 * @size:	Current size
 * @max_size:	Largest size allowed
 * @seed:	Randomness for this call
 *
 * Also, in half the calls, a final length prefix that overruns the input is
 * cut to what is there, so that inserted or removed bytes do not leave the
 * last frame incomplete for ever.
 *
 * Return: new size
 */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	size_t off = 0, consumed, foff, flen;
	int r;

	size = LLVMFuzzerMutate(data, size, max_size);
	if (!(seed & 7))
		return size;
	while ((r = tap_parse_stream(data + off, size - off, &consumed, &foff,
				     &flen)) > 0) {
		fuzz_fix_frame(data + off + foff, flen);
		off += consumed;
	}
	if (!r && (seed & 8) && size - off > TAP_LEN_PREFIX) {
		flen = size - off - TAP_LEN_PREFIX;
		util_put_be32(data + off, (uint32_t)flen);
		fuzz_fix_frame(data + off + TAP_LEN_PREFIX, flen);
	}
	return size;
}
