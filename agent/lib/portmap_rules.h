/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which port mappings LAN hosts may ask for (UPnP IGD, NAT-PMP, PCP): an
 * ordered list of allow/deny rules in miniupnpd's permission syntax, so an
 * admin can copy theirs. Rules come from the config file (admin input):
 * every word is length-checked and bad text gets a one-line reason, never
 * a crash. No sockets, no state besides the table the caller owns.
 */
#ifndef XNAT_AGENT_PORTMAP_RULES_H
#define XNAT_AGENT_PORTMAP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define XNAT_PM_MAX_RULES 64

struct xnat_pm_rule {
	bool allow;
	__u16 ext_min, ext_max;  /* external port range, host order */
	__be32 addr, mask;       /* internal address and mask, network order (addr already masked) */
	__u16 int_min, int_max;  /* internal port range */
};

struct xnat_pm_rules {
	struct xnat_pm_rule rule[XNAT_PM_MAX_RULES];
	unsigned int n;
};

/*
 * One rule: "allow|deny EXT INTADDR INT" where EXT and INT are "N" or "N-M"
 * (0..65535, N <= M) and INTADDR is "a.b.c.d", "a.b.c.d/len" (0..32) or
 * "a.b.c.d/m.m.m.m" (a contiguous netmask). Words are separated by blanks
 * (space, tab, CR, LF, VT, FF); nothing after the fourth word except blanks
 * or a '#' comment ('#' also ends a word). The verb is case-insensitive;
 * address parts are decimal without leading zeros (inet_aton, which
 * miniupnpd uses, would read "010" as octal 8: refused rather than
 * guessed). The address is masked (miniupnpd accepts host bits set); no
 * mask means /32. Returns 0, or -1 with a one-line reason in err (e.g.
 * "external port range 2000-1000: start above end") and *out untouched.
 */
int xnat_pm_rule_parse(const char *text, struct xnat_pm_rule *out, char *err, size_t errlen);

/* Append a parsed rule; -1 when XNAT_PM_MAX_RULES are there. */
int xnat_pm_rules_add(struct xnat_pm_rules *r, const struct xnat_pm_rule *rule);

/*
 * The built-in rules used when the config names none: ports 1024-65535 for
 * any LAN host, nothing below 1024 ("allow 1024-65535 0.0.0.0/0 1-65535",
 * "deny 0-65535 0.0.0.0/0 0-65535"). Replaces what *r held.
 */
void xnat_pm_rules_default(struct xnat_pm_rules *r);

/*
 * First matching rule decides (external port within EXT, (int_addr & mask)
 * == addr, internal port within INT); no rule matching: allowed
 * (miniupnpd's default). Ports host order, int_addr network order.
 */
bool xnat_pm_permitted(const struct xnat_pm_rules *r, __u16 ext_port, __be32 int_addr, __u16 int_port);

/*
 * Write a rule back in the syntax parse reads ("allow 1024-65535
 * 192.168.1.0/24 1024-65535"; single ports as "N"; masks always as /len).
 * Returns the length written (< cap, NUL-terminated), or -1 (out "" when
 * cap > 0) when it does not fit or the rule is none parse can give (a
 * non-contiguous mask, a range whose start is above its end).
 */
int xnat_pm_rule_format(const struct xnat_pm_rule *rule, char *out, size_t cap);

#endif
