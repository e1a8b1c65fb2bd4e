/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xnat_ports, the array of external port slots (see include/xnat/nat.h),
 * through its mmap: reads without a syscall per slot, and claims/releases
 * with the same atomic compare-and-exchange the fast path uses.
 */
#ifndef XNAT_AGENT_PORTS_H
#define XNAT_AGENT_PORTS_H

#include <stdbool.h>
#include <xnat/nat.h>

struct xnat_port_table {
	struct xnat_port_owner *slots; /* XNAT_PORT_SLOTS of them */
	size_t map_len;
};

/* Map the array of fd. Returns 0 or -errno. */
int xnat_ports_open(int fd, bool writable, struct xnat_port_table *t);
void xnat_ports_close(struct xnat_port_table *t);

/* Claim a free slot for word (xnat_port_claim_word). 0, or -1 with the
 * holder copied to *holder (when given). */
int xnat_port_claim(struct xnat_port_table *t, __u32 slot, __u64 word, __u32 now,
		    struct xnat_port_owner *holder);

/* Release a slot still held with word. 0, or -1 if it changed hands. */
int xnat_port_release(struct xnat_port_table *t, __u32 slot, __u64 word);

/* Hand a held slot to another claim word (e.g. a dynamic mapping becoming
 * a lease): 0, or -1 if the slot no longer holds from. */
int xnat_port_reown(struct xnat_port_table *t, __u32 slot, __u64 from, __u64 to);

/* The claim word a slot holds now (0: free). */
__u64 xnat_port_word(const struct xnat_port_table *t, __u32 slot);

/* Slots in use in the array fd (0 on error). */
unsigned int xnat_ports_in_use(int fd);

/* A new, unpinned xnat_ports array (tests). Returns the fd or -errno. */
int xnat_ports_create(void);

#endif
