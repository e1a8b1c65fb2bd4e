/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The fast-path tables leases (and PCP PEER sessions) live in, created fresh for a unit test. */
#ifndef XNAT_TEST_LEASE_MAPS_H
#define XNAT_TEST_LEASE_MAPS_H

#include "maps.h"

/* xnat_ports (mmapable array), 1024-entry xnat_eim and xnat_flows hashes,
 * xnat_config (the default timeouts), 64-entry xnat_port_filters and
 * xnat_host_freed in m,
 * every other fd -1. Returns 0, or -1 with everything closed. */
int lease_maps_create(struct xnat_map_fds *m);

#endif
