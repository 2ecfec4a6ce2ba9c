#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# timeout: 120
# backends: vhost-user
#
# vhost_fault_ring - A front-end whose rings break the rules: a transmit
# descriptor outside every memory region, one straddling two, a chain that
# loops, an indirect table of a bad length, an indirect descriptor in an
# indirect table, a head index past the ring, zero-length buffers, a receive
# descriptor outside memory. The daemon checks every descriptor (virtio.c):
# a broken ring is logged with its reason and the front-end dropped; the
# daemon lives on, and the next front-end moves data intact.

. "$(dirname "$0")/../lib/vhost.sh"

vhost_setup
vhost_fault tx-oob 'TX ring broken by the guest: DESC_ADDR'
vhost_fault tx-straddle 'TX ring broken by the guest: DESC_ADDR'
vhost_fault loop 'TX ring broken by the guest: LOOP'
vhost_fault indirect-len 'TX ring broken by the guest: IND_LEN'
vhost_fault indirect-nested 'TX ring broken by the guest: IND_NESTED'
vhost_fault head-oob 'TX ring broken by the guest: HEAD'
vhost_fault zero-len ''
vhost_fault rx-zero-len ''
vhost_fault rx-oob ''
pass
