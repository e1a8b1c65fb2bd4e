// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ports.h"

int xnat_ports_open(int fd, bool writable, struct xnat_port_table *t)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = XNAT_PORT_SLOTS * sizeof(struct xnat_port_owner);
	void *p;

	len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	p = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		memset(t, 0, sizeof(*t));
		return -errno;
	}
	t->slots = p;
	t->map_len = len;
	return 0;
}

void xnat_ports_close(struct xnat_port_table *t)
{
	if (t->slots)
		munmap(t->slots, t->map_len);
	memset(t, 0, sizeof(*t));
}

__u64 xnat_port_word(const struct xnat_port_table *t, __u32 slot)
{
	return __atomic_load_n((__u64 *)&t->slots[slot], __ATOMIC_ACQUIRE);
}

int xnat_port_claim(struct xnat_port_table *t, __u32 slot, __u64 word, __u32 now,
		    struct xnat_port_owner *holder)
{
	__u64 expected = 0;
	struct xnat_port_owner *o = &t->slots[slot];

	if (!__atomic_compare_exchange_n((__u64 *)o, &expected, word, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (holder) {
			union xnat_port_claim c = { .word = expected };

			memset(holder, 0, sizeof(*holder));
			holder->int_addr = c.f.int_addr;
			holder->int_port = c.f.int_port;
			holder->owner = c.f.owner;
			holder->in_use = c.f.in_use;
		}
		return -1;
	}
	o->last_used = now;
	o->expires = 0;
	return 0;
}

int xnat_port_release(struct xnat_port_table *t, __u32 slot, __u64 word)
{
	__u64 expected = word;

	return __atomic_compare_exchange_n((__u64 *)&t->slots[slot], &expected, 0, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ? 0 : -1;
}

int xnat_port_reown(struct xnat_port_table *t, __u32 slot, __u64 from, __u64 to)
{
	__u64 expected = from;

	return __atomic_compare_exchange_n((__u64 *)&t->slots[slot], &expected, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ? 0 : -1;
}

unsigned int xnat_ports_in_use(int fd)
{
	struct xnat_port_table t;
	unsigned int n = 0;

	if (xnat_ports_open(fd, false, &t))
		return 0;
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++)
		n += t.slots[slot].in_use;
	xnat_ports_close(&t);
	return n;
}

int xnat_ports_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, XNAT_MAP_PORTS, sizeof(__u32),
			      sizeof(struct xnat_port_owner), XNAT_PORT_SLOTS, &opts);
}
