/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XNAT_BPF_CLOCK_H
#define XNAT_BPF_CLOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "consts.h"
#include "profile.h"

/* Seconds of CLOCK_MONOTONIC, the unit of every timestamp in the maps: its
 * coarse reading (the last tick's), which reads no clock source. */
static __always_inline __u32 xnat_now(void)
{
	if (!stage_on(XNAT_STAGE_CLOCK))
		return 1;
	return bpf_ktime_get_coarse_ns() / NSEC_PER_SEC;
}

#endif
