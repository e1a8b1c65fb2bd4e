// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <bpf/bpf.h>
#include "lease_maps.h"
#include "ports.h"

int lease_maps_create(struct xnat_map_fds *m)
{
	xnat_maps_init(m);
	m->ports = xnat_ports_create();
	m->eim = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(struct xnat_eim_key), sizeof(struct xnat_eim),
				1024, NULL);
	if (m->ports < 0 || m->eim < 0) {
		xnat_maps_close(m);
		return -1;
	}
	return 0;
}
