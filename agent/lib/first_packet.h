/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The frame a LAN endpoint's first packet to a remote peer would be: what
 * xnatd runs through the fast path's LAN program to make a session the way
 * traffic makes one (PCP PEER before the application has sent anything).
 * A UDP datagram with no payload, or a TCP SYN; valid IPv4 and L4
 * checksums, TTL 64, Ethernet addresses zero.
 */
#ifndef XNAT_AGENT_FIRST_PACKET_H
#define XNAT_AGENT_FIRST_PACKET_H

#include <stddef.h>
#include <linux/types.h>

#define XNAT_FIRST_PACKET_MAX (14 + 20 + 20)

/* Into out (XNAT_FIRST_PACKET_MAX bytes); addresses and ports in network
 * order. Returns the frame's length, or 0 for a protocol other than TCP/UDP. */
size_t xnat_first_packet(__u8 proto, __be32 src, __be16 sport, __be32 dst, __be16 dport, __u8 *out);

#endif
