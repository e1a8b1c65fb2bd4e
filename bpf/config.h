/* SPDX-License-Identifier: GPL-2.0 */
/* The runtime settings xnatd writes (include/xnat/nat.h, struct xnat_config). */
#ifndef XNAT_BPF_CONFIG_H
#define XNAT_BPF_CONFIG_H

#include "maps.h"

static __always_inline const struct xnat_config *xnat_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xnat_config, &zero);
}

#endif
