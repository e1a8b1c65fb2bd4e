// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "pcp_filter.h"

int xnat_pcp_filter_add(struct xnat_remote_filter *list, unsigned int *n, const struct xnat_remote_filter *r)
{
	for (unsigned int i = 0; i < *n; i++)
		if (xnat_remote_filter_same(&list[i], r))
			return 0;
	if (*n >= XNAT_PORT_FILTERS)
		return -1;
	list[(*n)++] = *r;
	return 0;
}

static __u32 slot_of(const struct xnat_lease *l)
{
	return (__u32)xnat_port_slot(l->proto, l->ext_port);
}

static __u64 claim_of(const struct xnat_lease *l)
{
	return xnat_port_claim_word(l->int_addr, htons(l->int_port), l->owner);
}

int xnat_pcp_filters_get(const struct xnat_map_fds *m, const struct xnat_lease *l,
			 struct xnat_remote_filter *out)
{
	struct xnat_port_filter f;
	__u32 slot = slot_of(l);

	if (m->port_filters < 0 || bpf_map_lookup_elem(m->port_filters, &slot, &f) || f.claim != claim_of(l) ||
	    f.count > XNAT_PORT_FILTERS)
		return 0;
	memcpy(out, f.rule, f.count * sizeof(*out));
	return (int)f.count;
}

int xnat_pcp_filters_set(const struct xnat_map_fds *m, const struct xnat_lease *l,
			 const struct xnat_remote_filter *f, unsigned int n)
{
	struct xnat_port_filter v = { .claim = claim_of(l), .count = n };
	__u32 slot = slot_of(l);

	if (n > XNAT_PORT_FILTERS)
		return -EINVAL;
	if (m->port_filters < 0)
		return n ? -ENOENT : 0;
	if (!n)
		return bpf_map_delete_elem(m->port_filters, &slot) && errno != ENOENT ? -errno : 0;
	memcpy(v.rule, f, n * sizeof(*f));
	return bpf_map_update_elem(m->port_filters, &slot, &v, BPF_ANY) ? -errno : 0;
}
