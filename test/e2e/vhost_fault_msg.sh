#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: vhost-user
#
# vhost_fault_msg - A front-end whose messages break the rules:
# SET_MEM_TABLE with a pipe for memory, without descriptors, or with
# regions past the end of the memory file (touching them would raise
# SIGBUS in the daemon: refused before mapping); a ring
# address outside the memory; payloads shorter or longer than their request
# takes; a payload of 1 GiB; a message cut short; an unknown request. Each
# is refused (REPLY_ACK 1) or, where the stream cannot be trusted any more,
# ends the connection, with a line saying why; the daemon lives on, and the
# next front-end moves data intact.

. "$(dirname "$0")/../lib/vhost.sh"

vhost_setup
vhost_fault mem-pipe 'vhost-user: mapping region 0 .*: '
vhost_fault mem-nofd 'SET_MEM_TABLE with 1 regions and 0 descriptors: refused'
vhost_fault mem-short 'region 0 ends at [0-9]+ bytes, past the end of its file: refused'
vhost_fault ring-oob 'ring refused: RING_ADDR'
vhost_fault msg-short 'request [0-9]+ with a [0-9]+-byte payload: refused'
vhost_fault msg-long 'request [0-9]+ with a [0-9]+-byte payload: refused'
vhost_fault msg-huge 'a 1073741824-byte payload \(limit 4096\): dropping'
vhost_fault msg-trunc ''
vhost_fault unknown-req 'request 1000 not supported: refused'
pass
