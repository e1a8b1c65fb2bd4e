// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <bpf/bpf.h>
#include "lease_maps.h"
#include "ports.h"

int lease_maps_create(struct xnat_map_fds *m)
{
	struct xnat_config c = { .timeout_udp = 300, .timeout_tcp_established = 7440,
				 .timeout_tcp_transitory = 240, .timeout_icmp = 60 };
	__u32 zero = 0;

	xnat_maps_init(m);
	m->ports = xnat_ports_create();
	m->eim = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct xnat_eim_key), sizeof(struct xnat_eim),
				1024, NULL);
	m->flows = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow),
				  1024, NULL);
	m->config = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(__u32), sizeof(struct xnat_config), 1, NULL);
	m->port_filters = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(__u32), sizeof(struct xnat_port_filter),
					 64, NULL);
	m->host_freed = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(__be32), sizeof(__u64), 64, NULL);
	if (m->ports < 0 || m->eim < 0 || m->flows < 0 || m->config < 0 || m->port_filters < 0 || m->host_freed < 0 ||
	    bpf_map_update_elem(m->config, &zero, &c, BPF_ANY)) {
		xnat_maps_close(m);
		return -1;
	}
	return 0;
}
