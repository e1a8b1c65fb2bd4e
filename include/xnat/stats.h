/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Outcome counters of the fast path. One table drives the enum and the names
 * printed by xnatctl, so the two cannot drift apart.
 *
 * Datapath functions return a negative XNAT_* reason or a verdict; only the
 * entry points count them, in the per-CPU array map "xnat_stats".
 */
#ifndef XNAT_STATS_H
#define XNAT_STATS_H

#include "compat.h"

/* X(enum suffix, name printed by xnatctl) */
#define XNAT_STAT_TABLE(X)                                           \
	/* verdicts: packet translated and sent on */                    \
	X(XLATE_OUT,          "translated_out")                          \
	X(XLATE_IN,           "translated_in")                           \
	X(XLATE_HAIRPIN,      "translated_hairpin")                      \
	X(XLATE_ICMP_ERR_OUT, "translated_icmp_error_out")               \
	X(XLATE_ICMP_ERR_IN,  "translated_icmp_error_in")                \
	X(XLATE_FRAG,         "translated_fragment")                     \
	/* events, counted on top of a verdict */                        \
	X(NEW_SESSION,        "new_session")                             \
	X(NEW_MAPPING,        "new_mapping")                             \
	X(REDIRECT,           "xdp_redirected")                          \
	X(REDIRECT_LOST,      "xdp_redirect_lost")                       \
	X(SIP_REWRITTEN,      "sip_rewritten")                           \
	X(SIP_MEDIA_MAPPED,   "sip_media_mapping")                       \
	X(SIP_MEDIA_FAILED,   "sip_media_mapping_failed")                \
	X(SIP_DIALOG_ENDED,   "sip_dialog_ended")                        \
	X(SIP_DIALOG_HOST_LIMIT, "sip_dialog_host_limit")                \
	X(SIP_UNCHANGED_UNPARSED, "sip_unchanged_unparsable")            \
	X(SIP_UNCHANGED_TOO_BIG, "sip_unchanged_too_big")                \
	X(SIP_UNCHANGED_ICE,  "sip_unchanged_ice")                       \
	X(SIP_UNCHANGED_FRAGMENT, "sip_unchanged_fragment")              \
	X(SIP_UNCHANGED_TCP_SPLIT, "sip_unchanged_tcp_split")            \
	X(SIP_UNCHANGED_BAD_LENGTH, "sip_unchanged_bad_length")          \
	/* passed to the kernel stack untouched */                       \
	X(PASS_NOT_IPV4,      "pass_not_ipv4")                           \
	X(PASS_NOT_NAT,       "pass_not_for_nat")                        \
	X(PASS_LOCAL,         "pass_to_gateway")                         \
	X(PASS_FIB,           "pass_fib_unresolved")                     \
	X(PASS_TTL,           "pass_ttl_expiring")                       \
	X(PASS_UNSUPPORTED,   "pass_unsupported")                        \
	X(PASS_DISABLED,      "pass_nat_disabled")                       \
	X(PASS_SIP_SLOW,      "pass_sip_to_stack")                       \
	X(PASS_TC_PATH,       "pass_to_tc_path")                         \
	X(PASS_BRIDGED,       "pass_bridged")                            \
	/* handed to xnatd (SIP fragments), which sends it on */         \
	X(SLOW_PATH,          "to_slow_path")                            \
	/* dropped */                                                    \
	X(DROP_MALFORMED,     "drop_malformed")                          \
	X(DROP_PORTS_EXHAUSTED, "drop_ports_exhausted")                  \
	X(DROP_HOST_QUOTA,    "drop_host_quota")                         \
	X(DROP_TABLE_FULL,    "drop_table_full")                         \
	X(DROP_FILTERED,      "drop_filtered")                           \
	X(DROP_FRAG_NO_STATE, "drop_fragment_no_state")                  \
	X(DROP_ICMP_NO_STATE, "drop_icmp_error_no_state")                \
	X(DROP_OUT_UNTRANSLATABLE, "drop_out_untranslatable")          \
	X(DROP_HAIRPIN_UNRESOLVED, "drop_hairpin_unresolved")          \
	X(DROP_SESSION_CONFLICT, "drop_session_conflict")              \
	X(DROP_SPOOFED,       "drop_lan_spoofed_source")                \
	X(DROP_WAN_TO_LAN,    "drop_wan_to_lan")                        \
	X(DROP_OUT_NO_ADDRESS, "drop_out_no_external_address")          \
	X(TCP_MSS_CLAMPED,    "tcp_mss_clamped")                         \
	X(TCP_BULK_TO_STACK,  "tcp_bulk_to_stack")

#define XNAT_STAT_ENUM(name, str) XNAT_STAT_##name,
enum xnat_stat {
	XNAT_STAT_TABLE(XNAT_STAT_ENUM)
	XNAT_STAT_MAX
};
#undef XNAT_STAT_ENUM

/* Slots of the xnat_stats array: room for counters to come, so that a newer
 * xnat adopts the pinned array of an older one (same size) and no upgrade
 * costs the state. */
#define XNAT_STAT_SLOTS 64
_Static_assert(XNAT_STAT_MAX <= XNAT_STAT_SLOTS, "xnat_stats is full: raise XNAT_STAT_SLOTS");

/* Value of one slot of the per-CPU "xnat_stats" array. */
struct xnat_counter {
	__u64 packets;
	__u64 bytes;
};

#ifndef __bpf__
/* Name of a counter, or NULL when out of range. Defined in agent/lib/stats.c. */
const char *xnat_stat_name(unsigned int stat);
#endif

#endif
