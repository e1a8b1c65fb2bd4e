// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* agent/lib/sip.c again, with XNAT_SIP_BIG_MAX buffers (sip_big.h). */
#include "sip_big.h"

#define XNAT_SIP_MAX XNAT_SIP_BIG_MAX
/* function-like: struct xnat_sip_scan keeps its name */
#define xnat_sip_scan(...) xnat_sip_big_scan(__VA_ARGS__)
#define xnat_sip_scan_matching xnat_sip_big_scan_matching
#define xnat_sip_scan_tcp xnat_sip_big_scan_tcp
#define xnat_sip_rewrite xnat_sip_big_rewrite
#include "sip.c"
