/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The two fast-path tables leases live in, created fresh for a unit test. */
#ifndef XNAT_TEST_LEASE_MAPS_H
#define XNAT_TEST_LEASE_MAPS_H

#include "maps.h"

/* xnat_ports (mmapable array) and a 1024-entry xnat_eim hash in m, every
 * other fd -1. Returns 0, or -1 with everything closed. */
int lease_maps_create(struct xnat_map_fds *m);

#endif
