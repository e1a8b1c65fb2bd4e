// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Typed arguments of UPnP actions (see upnp_actions.h): the strings a
 * request carries, checked against their UPnP types before any use. A
 * value that is not exactly of its type is Invalid Args, never a guess.
 */
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "upnp_actions.h"

/* The argument's value without surrounding whitespace, into buf; NULL when missing. */
static const char *trimmed(const struct xnat_upnp_ctx *x, const char *name, char buf[XNAT_UPNP_MAX_VALUE + 1])
{
	const char *v = xnat_upnp_arg(x->call, name), *end;
	static const char ws[] = " \t\r\n";

	if (!v)
		return NULL;
	v += strspn(v, ws);
	end = v + strlen(v);
	while (end > v && strchr(ws, end[-1]))
		end--;
	memcpy(buf, v, (size_t)(end - v));
	buf[end - v] = '\0';
	return buf;
}

int xnat_upnp_arg_uint(const struct xnat_upnp_ctx *x, const char *name, __u32 max, __u32 *v)
{
	char buf[XNAT_UPNP_MAX_VALUE + 1];
	const char *p = trimmed(x, name, buf);
	__u64 n = 0;

	if (!p || !*p)
		return XNAT_UPNP_INVALID_ARGS;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return XNAT_UPNP_INVALID_ARGS;
		n = n * 10 + (__u64)(*p - '0');
		if (n > max)
			return XNAT_UPNP_INVALID_ARGS;
	}
	*v = (__u32)n;
	return XNAT_UPNP_OK;
}

int xnat_upnp_arg_port(const struct xnat_upnp_ctx *x, const char *name, __u16 *v)
{
	char buf[XNAT_UPNP_MAX_VALUE + 1];
	const char *p = trimmed(x, name, buf);
	__u32 n;
	int rc;

	if (p && !strcmp(p, "*")) {
		*v = 0;
		return XNAT_UPNP_OK;
	}
	rc = xnat_upnp_arg_uint(x, name, 65535, &n);
	if (!rc)
		*v = (__u16)n;
	return rc;
}

int xnat_upnp_arg_bool(const struct xnat_upnp_ctx *x, const char *name, bool *v)
{
	static const char *const yes[] = { "1", "true", "yes" }, *const no[] = { "0", "false", "no" };
	char buf[XNAT_UPNP_MAX_VALUE + 1];
	const char *p = trimmed(x, name, buf);

	if (!p)
		return XNAT_UPNP_INVALID_ARGS;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(p, yes[i]) || !strcasecmp(p, no[i])) {
			*v = !strcasecmp(p, yes[i]);
			return XNAT_UPNP_OK;
		}
	}
	return XNAT_UPNP_INVALID_ARGS;
}

int xnat_upnp_arg_proto(const struct xnat_upnp_ctx *x, const char *name, __u8 *v)
{
	char buf[XNAT_UPNP_MAX_VALUE + 1];
	const char *p = trimmed(x, name, buf);

	if (p && !strcasecmp(p, "TCP"))
		*v = IPPROTO_TCP;
	else if (p && !strcasecmp(p, "UDP"))
		*v = IPPROTO_UDP;
	else
		return XNAT_UPNP_INVALID_ARGS;
	return XNAT_UPNP_OK;
}

int xnat_upnp_arg_addr(const struct xnat_upnp_ctx *x, const char *name, __be32 *v)
{
	char buf[XNAT_UPNP_MAX_VALUE + 1];
	const char *p = trimmed(x, name, buf);
	struct in_addr a;

	/* inet_pton takes dotted quads only: no names (no resolver), no octal, no short forms */
	if (!p || inet_pton(AF_INET, p, &a) != 1 || !a.s_addr)
		return XNAT_UPNP_INVALID_ARGS;
	*v = a.s_addr;
	return XNAT_UPNP_OK;
}

bool xnat_upnp_remote_is_wildcard(const struct xnat_upnp_ctx *x)
{
	char buf[XNAT_UPNP_MAX_VALUE + 1];
	const char *p = trimmed(x, "NewRemoteHost", buf);

	return !p || !*p || !strcmp(p, "*");
}
