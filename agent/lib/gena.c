// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * GENA eventing (see gena.h). Every header is read within a bound and
 * judged whole: a CALLBACK is split into its <url>s and each URL taken
 * apart byte by byte (no sscanf, no resolver), and only a URL naming the
 * subscriber's own address is kept. The table is a fixed array: a full
 * one is reclaimed of expired entries first, then answers 503.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include "span.h"
#include "fitted.h"
#include "gena.h"
#include "upnp_desc.h"
#include "xml_escape.h"

#define NT_EVENT "upnp:event"
#define NT_MAX_LEN 64         /* room for blanks around it; more is not upnp:event */
#define TIMEOUT_PREFIX "second-"
#define TIMEOUT_MAX_LEN 32    /* "Second-" + digits: anything longer is malformed */
#define SCHEME "http://"
#define DEFAULT_PORT 80

/* The reasons answered, for the log (and the tests). */
#define R_SUBSCRIBED "subscribed"
#define R_RENEWED "renewed"
#define R_UNSUBSCRIBED "unsubscribed"
#define R_BAD_PATH "not an event path"
#define R_INCOMPATIBLE "SID together with CALLBACK or NT"
#define R_NT "NT not upnp:event"
#define R_NO_CALLBACK "no CALLBACK"
#define R_MALFORMED_CALLBACK "CALLBACK malformed or over-long"
#define R_FOREIGN_CALLBACK "callback not the subscriber's address"
#define R_NO_SID "no SID"
#define R_UNKNOWN_SID "unknown SID"
#define R_EXPIRED_SID "SID expired"
#define R_OTHER_HOST "SID held by another address"
#define R_TABLE_FULL "subscription table full"
#define R_HOST_FULL "too many subscriptions from this address"


static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A header's value without the blanks around it. One over max bytes is
 * not walked further and comes back untrimmed with len max + 1: too long.
 */
static struct span trimmed(const char *s, size_t max)
{
	struct span v = { s, strnlen(s, max + 1) };

	if (v.len > max)
		return v;
	while (v.len && is_blank(v.p[0])) {
		v.p++;
		v.len--;
	}
	while (v.len && is_blank(v.p[v.len - 1]))
		v.len--;
	return v;
}

/* Wrap-safe "now is at or past expires": the monotonic clock may wrap its 32 bits. */
static bool is_expired(const struct xnat_gena_sub *s, __u32 now)
{
	return (__s32)(now - s->expires) >= 0;
}

static void answer(struct xnat_gena_answer *a, int status, const char *reason)
{
	a->status = status;
	a->reason = reason;
}

/* Returns -1, for "return refuse(...)" in the judging helpers. */
static int refuse(struct xnat_gena *g, struct xnat_gena_answer *a, int status, const char *reason)
{
	g->count.refused++;
	answer(a, status, reason);
	return -1;
}

static void free_slot(struct xnat_gena_sub *s)
{
	memset(s, 0, sizeof(*s));
}

void xnat_gena_init(struct xnat_gena *g, const __u8 seed[16])
{
	memset(g, 0, sizeof(*g));
	memcpy(g->seed, seed, sizeof(g->seed));
}

int xnat_gena_service_of(const char *path)
{
	static const char *const paths[XNAT_GENA_SERVICES] = {
		[XNAT_GENA_WANIPC] = XNAT_UPNP_EVT_WANIPC,
		[XNAT_GENA_WANCFG] = XNAT_UPNP_EVT_WANCFG,
		[XNAT_GENA_L3F] = XNAT_UPNP_EVT_L3F,
	};

	if (!path)
		return -1;
	for (int s = 0; s < XNAT_GENA_SERVICES; s++)
		if (!strcmp(path, paths[s]))
			return s;
	return -1;
}

/* ------------------------------------------------------------- TIMEOUT */

/* "Second-N" clamped; anything else (absent, "Second-infinite", garbage) is the default. */
static __u32 parse_timeout(const char *header)
{
	const size_t prefix = strlen(TIMEOUT_PREFIX);
	struct span v;
	__u32 seconds = 0;

	if (!header)
		return XNAT_GENA_DEFAULT_TIMEOUT;
	v = trimmed(header, TIMEOUT_MAX_LEN);
	if (v.len > TIMEOUT_MAX_LEN || v.len <= prefix || strncasecmp(v.p, TIMEOUT_PREFIX, prefix))
		return XNAT_GENA_DEFAULT_TIMEOUT;
	v.p += prefix;
	v.len -= prefix;
	for (size_t i = 0; i < v.len; i++) {
		if (!is_digit(v.p[i]))
			return XNAT_GENA_DEFAULT_TIMEOUT; /* "infinite" included */
		seconds = seconds * 10 + (__u32)(v.p[i] - '0');
		if (seconds > XNAT_GENA_MAX_TIMEOUT)
			seconds = XNAT_GENA_MAX_TIMEOUT + 1; /* saturate: 25 digits must not wrap to a small value */
	}
	if (seconds < XNAT_GENA_MIN_TIMEOUT)
		return XNAT_GENA_MIN_TIMEOUT;
	return seconds > XNAT_GENA_MAX_TIMEOUT ? XNAT_GENA_MAX_TIMEOUT : seconds;
}

/* ------------------------------------------------------------ CALLBACK */

struct callback {
	__be32 addr;
	__u16 port;
	char path[XNAT_GENA_PATH_MAX + 1];
};

/* A decimal number of 1..max_digits digits, no leading zero, at most max; its length or 0. */
static size_t parse_decimal(const char *p, size_t len, size_t max_digits, __u32 max, __u32 *value)
{
	size_t n = 0;
	__u32 v = 0;

	while (n < len && is_digit(p[n])) {
		if (n == max_digits)
			return 0;
		v = v * 10 + (__u32)(p[n] - '0');
		n++;
	}
	if (!n || (n > 1 && p[0] == '0') || v > max)
		return 0;
	*value = v;
	return n;
}

/* "a.b.c.d" at the start of p: its length, the address in *addr (network order); 0 if not one. */
static size_t parse_quad(const char *p, size_t len, __be32 *addr)
{
	__u32 host = 0, part;
	size_t pos = 0, n;

	for (int i = 0; i < 4; i++) {
		if (i) {
			if (pos >= len || p[pos] != '.')
				return 0;
			pos++;
		}
		n = parse_decimal(p + pos, len - pos, 3, 255, &part);
		if (!n)
			return 0;
		host = host << 8 | part;
		pos += n;
	}
	*addr = htonl(host);
	return pos;
}

/*
 * One URL (the text between '<' and '>') into *cb: 0 when it is one we
 * would call back, -1 for anything else. The host must be client itself.
 */
static int parse_url(struct span url, __be32 client, struct callback *cb)
{
	const size_t scheme = strlen(SCHEME);
	__u32 port = DEFAULT_PORT;
	size_t pos, n;
	__be32 addr;

	if (url.len <= scheme || strncasecmp(url.p, SCHEME, scheme))
		return -1;
	/* No userinfo, no fragment anywhere: nothing may hide another host or change what is asked. */
	if (memchr(url.p, '@', url.len) || memchr(url.p, '#', url.len))
		return -1;
	pos = scheme;
	n = parse_quad(url.p + pos, url.len - pos, &addr);
	if (!n || addr != client)
		return -1;
	pos += n;
	if (pos < url.len && url.p[pos] == ':') {
		pos++;
		n = parse_decimal(url.p + pos, url.len - pos, 5, 65535, &port);
		if (!n || !port)
			return -1;
		pos += n;
	}
	if (pos == url.len) {
		strcpy(cb->path, "/");
	} else {
		if (url.p[pos] != '/' || url.len - pos > XNAT_GENA_PATH_MAX)
			return -1;
		for (size_t i = pos; i < url.len; i++) {
			unsigned char c = (unsigned char)url.p[i];

			if (c <= 0x20 || c >= 0x7f) /* printable ASCII, no space: it goes into a request line */
				return -1;
		}
		memcpy(cb->path, url.p + pos, url.len - pos);
		cb->path[url.len - pos] = '\0';
	}
	cb->addr = addr;
	cb->port = (__u16)port;
	return 0;
}

enum callback_result { CB_OK, CB_MALFORMED, CB_FOREIGN };

/*
 * The whole CALLBACK header: "<url>" one or more times, blanks between.
 * The first acceptable URL is kept, but the rest must still be well
 * formed: a header cut or garbled anywhere is refused whole.
 */
static enum callback_result parse_callback(const char *header, __be32 client, struct callback *cb)
{
	struct span v = trimmed(header, XNAT_GENA_CALLBACK_MAX);
	bool found = false;
	size_t pos = 0;

	if (v.len > XNAT_GENA_CALLBACK_MAX || !v.len)
		return CB_MALFORMED;
	while (pos < v.len) {
		const char *close;
		struct span url;

		if (is_blank(v.p[pos])) {
			pos++;
			continue;
		}
		if (v.p[pos] != '<')
			return CB_MALFORMED;
		pos++;
		close = memchr(v.p + pos, '>', v.len - pos);
		if (!close)
			return CB_MALFORMED;
		url = (struct span){ v.p + pos, (size_t)(close - (v.p + pos)) };
		if (memchr(url.p, '<', url.len))
			return CB_MALFORMED;
		if (!found && !parse_url(url, client, cb))
			found = true;
		pos += url.len + 1;
	}
	return found ? CB_OK : CB_FOREIGN;
}

/* ----------------------------------------------------------------- SIDs */

/* splitmix64's finaliser: a bijection that spreads every input bit. */
static __u64 mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 seed_half(const __u8 *b)
{
	__u64 v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static struct xnat_gena_sub *find_sid(struct xnat_gena *g, const char *sid)
{
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
		if (g->subs[i].used && !strcmp(g->subs[i].sid, sid))
			return &g->subs[i];
	return NULL;
}

/*
 * "uuid:" + a version 4 uuid from the seed and the next counter value. The
 * SID is no password (renewals and unsubscriptions must come from the
 * subscriber's address anyway), but it is keyed so one SID does not give
 * the next away; one already in the table is never handed out twice.
 */
static void new_sid(struct xnat_gena *g, char sid[XNAT_GENA_SID_LEN + 1])
{
	__u64 k1 = seed_half(g->seed), k2 = seed_half(g->seed + 8);

	do {
		__u64 c = ++g->sid_counter;
		__u64 hi = mix64(mix64(c ^ k1) + k2), lo = mix64(mix64(c ^ k2) + k1);
		__u8 b[16];

		for (int i = 0; i < 8; i++) {
			b[i] = (__u8)(hi >> (56 - 8 * i));
			b[8 + i] = (__u8)(lo >> (56 - 8 * i));
		}
		b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
		b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
		snprintf(sid, XNAT_GENA_SID_LEN + 1,
			 "uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
			 b[14], b[15]);
	} while (find_sid(g, sid));
}

/* ------------------------------------------------------------ requests */

/* The subscription sid names on service, or NULL; an over-long SID names none. */
static struct xnat_gena_sub *lookup(struct xnat_gena *g, const char *sid, int service)
{
	struct xnat_gena_sub *s;

	if (strnlen(sid, XNAT_GENA_SID_LEN + 1) > XNAT_GENA_SID_LEN)
		return NULL;
	s = find_sid(g, sid);
	return s && (int)s->service == service ? s : NULL;
}

static int renew(struct xnat_gena *g, int service, const char *sid, const char *timeout, __be32 client, __u32 now,
		  struct xnat_gena_answer *a)
{
	struct xnat_gena_sub *s = lookup(g, sid, service);

	if (!s)
		return refuse(g, a, 412, R_UNKNOWN_SID);
	if (is_expired(s, now)) {
		/* Too late (UDA 4.1.2): it is gone, and the caller must subscribe anew. */
		free_slot(s);
		g->count.expired++;
		return refuse(g, a, 412, R_EXPIRED_SID);
	}
	if (s->addr != client)
		return refuse(g, a, 412, R_OTHER_HOST);
	a->timeout = parse_timeout(timeout);
	s->expires = now + a->timeout;
	memcpy(a->sid, s->sid, sizeof(a->sid));
	g->count.renewed++;
	answer(a, 200, R_RENEWED);
	return 0;
}

static int subscribe_new(struct xnat_gena *g, int service, const char *callback, const char *nt,
			  const char *timeout, __be32 client, __u32 now, struct xnat_gena_answer *a)
{
	struct xnat_gena_sub *s = NULL;
	struct callback cb = { 0 }; /* copied whole into the table: no stack bytes after the path */
	unsigned int held = 0;
	int slot = -1;

	if (!nt || !span_is(trimmed(nt, NT_MAX_LEN), NT_EVENT))
		return refuse(g, a, 412, R_NT);
	if (!callback)
		return refuse(g, a, 412, R_NO_CALLBACK);
	switch (parse_callback(callback, client, &cb)) {
	case CB_OK:
		break;
	case CB_MALFORMED:
		return refuse(g, a, 412, R_MALFORMED_CALLBACK);
	case CB_FOREIGN:
		return refuse(g, a, 412, R_FOREIGN_CALLBACK);
	}
	xnat_gena_expire(g, now);
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		if (!g->subs[i].used) {
			if (slot < 0)
				slot = i;
		} else if (g->subs[i].addr == client) {
			held++;
		}
	}
	if (held >= XNAT_GENA_MAX_PER_HOST)
		return refuse(g, a, 503, R_HOST_FULL);
	if (slot < 0)
		return refuse(g, a, 503, R_TABLE_FULL);
	s = &g->subs[slot];
	memset(s, 0, sizeof(*s));
	new_sid(g, s->sid); /* before used is set: the check for a taken SID must not find this one */
	s->used = true;
	s->service = (enum xnat_gena_service)service;
	s->addr = cb.addr;
	s->port = cb.port;
	memcpy(s->path, cb.path, sizeof(s->path));
	a->timeout = parse_timeout(timeout);
	s->expires = now + a->timeout;
	s->seq = 0;
	memcpy(a->sid, s->sid, sizeof(a->sid));
	a->slot = slot;
	g->count.subscribed++;
	answer(a, 200, R_SUBSCRIBED);
	return 0;
}

static void clear_answer(struct xnat_gena_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->slot = -1;
}

void xnat_gena_subscribe(struct xnat_gena *g, const char *path, const char *callback, const char *nt,
			 const char *timeout, const char *sid, __be32 client, __u32 now, struct xnat_gena_answer *a)
{
	int service = xnat_gena_service_of(path);

	clear_answer(a);
	if (service < 0)
		refuse(g, a, 400, R_BAD_PATH);
	else if (sid && (callback || nt))
		refuse(g, a, 400, R_INCOMPATIBLE);
	else if (sid)
		renew(g, service, sid, timeout, client, now, a);
	else
		subscribe_new(g, service, callback, nt, timeout, client, now, a);
}

static int unsubscribe(struct xnat_gena *g, const char *path, const char *sid, const char *callback, const char *nt,
		       __be32 client, struct xnat_gena_answer *a)
{
	int service = xnat_gena_service_of(path);
	struct xnat_gena_sub *s;

	if (service < 0)
		return refuse(g, a, 400, R_BAD_PATH);
	/* UDA 4.1.3: a missing or empty SID is 412 before the headers are compared. */
	if (!sid || !sid[0])
		return refuse(g, a, 412, R_NO_SID);
	if (callback || nt)
		return refuse(g, a, 400, R_INCOMPATIBLE);
	s = lookup(g, sid, service);
	if (!s)
		return refuse(g, a, 412, R_UNKNOWN_SID);
	if (s->addr != client)
		return refuse(g, a, 412, R_OTHER_HOST);
	free_slot(s);
	g->count.unsubscribed++;
	answer(a, 200, R_UNSUBSCRIBED);
	return 0;
}

void xnat_gena_unsubscribe(struct xnat_gena *g, const char *path, const char *sid, const char *callback,
			   const char *nt, __be32 client, struct xnat_gena_answer *a)
{
	clear_answer(a);
	unsubscribe(g, path, sid, callback, nt, client, a);
}

unsigned int xnat_gena_expire(struct xnat_gena *g, __u32 now)
{
	unsigned int freed = 0;

	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
		if (g->subs[i].used && is_expired(&g->subs[i], now)) {
			free_slot(&g->subs[i]);
			freed++;
		}
	g->count.expired += freed;
	return freed;
}

/* -------------------------------------------------------------- events */


/* text appended at out + *n; false (nothing more to write) when it does not fit. */
static bool append(char *out, size_t cap, size_t *n, const char *text)
{
	size_t len = strlen(text);

	if (len >= cap - *n)
		return false;
	memcpy(out + *n, text, len + 1);
	*n += len;
	return true;
}

/* A state variable name, also the element it is written as: no escaping is possible there. */
static bool is_var_name(const char *name)
{
	if (!name || !name[0])
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
			return false;
	return true;
}

int xnat_gena_propertyset(const struct xnat_gena_var *vars, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	int esc;

	if (!cap)
		return -1;
	out[0] = '\0';
	if (!vars || !n)
		return -1;
	if (!append(out, cap, &len,
		    "<?xml version=\"1.0\"?>\r\n<e:propertyset xmlns:e=\"urn:schemas-upnp-org:event-1-0\">"))
		return xnat_fitted(-1, out, cap);
	for (size_t i = 0; i < n; i++) {
		if (!is_var_name(vars[i].name))
			return xnat_fitted(-1, out, cap);
		if (!append(out, cap, &len, "<e:property><") || !append(out, cap, &len, vars[i].name) ||
		    !append(out, cap, &len, ">"))
			return xnat_fitted(-1, out, cap);
		esc = xnat_xml_escape(vars[i].value ? vars[i].value : "", out + len, cap - len);
		if (esc < 0)
			return xnat_fitted(-1, out, cap);
		len += (size_t)esc;
		if (!append(out, cap, &len, "</") || !append(out, cap, &len, vars[i].name) ||
		    !append(out, cap, &len, "></e:property>"))
			return xnat_fitted(-1, out, cap);
	}
	if (!append(out, cap, &len, "</e:propertyset>\r\n"))
		return xnat_fitted(-1, out, cap);
	return (int)len;
}

/* A path as parse_url leaves it: the table is the caller's memory, so it is checked again before use. */
static bool is_callback_path(const char *path)
{
	size_t len = strnlen(path, XNAT_GENA_PATH_MAX + 1);

	if (!len || len > XNAT_GENA_PATH_MAX || path[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f)
			return false;
	return true;
}

int xnat_gena_notify_request(struct xnat_gena_sub *sub, const char *body, char *out, size_t cap)
{
	__u32 host;
	int n;

	if (!sub || !body || !sub->used || !is_callback_path(sub->path) ||
	    strnlen(sub->sid, sizeof(sub->sid)) != XNAT_GENA_SID_LEN)
		return xnat_fitted(-1, out, cap);
	host = ntohl(sub->addr);
	n = xnat_fitted(snprintf(out, cap,
			    "NOTIFY %s HTTP/1.1\r\n"
			    "HOST: %u.%u.%u.%u:%u\r\n"
			    "CONTENT-TYPE: text/xml; charset=\"utf-8\"\r\n"
			    "NT: " NT_EVENT "\r\n"
			    "NTS: upnp:propchange\r\n"
			    "SID: %s\r\n"
			    "SEQ: %u\r\n"
			    "CONTENT-LENGTH: %zu\r\n"
			    "CONNECTION: close\r\n"
			    "\r\n"
			    "%s",
			    sub->path, host >> 24, (host >> 16) & 0xff, (host >> 8) & 0xff, host & 0xff, sub->port,
			    sub->sid, sub->seq, strlen(body), body),
		   out, cap);
	if (n < 0)
		return -1;
	/* UDA 4.3.2: SEQ 0 is the initial event only; after 4294967295 comes 1. */
	sub->seq = sub->seq == 0xffffffffu ? 1 : sub->seq + 1;
	return n;
}

size_t xnat_gena_evented(enum xnat_gena_service s, const char *const **names)
{
	static const char *const wanipc[] = { "PossibleConnectionTypes", "ConnectionStatus", "ExternalIPAddress",
					      "PortMappingNumberOfEntries" };
	static const char *const wancfg[] = { "PhysicalLinkStatus" };
	static const char *const l3f[] = { "DefaultConnectionService" };

	switch (s) {
	case XNAT_GENA_WANIPC:
		*names = wanipc;
		return sizeof(wanipc) / sizeof(wanipc[0]);
	case XNAT_GENA_WANCFG:
		*names = wancfg;
		return sizeof(wancfg) / sizeof(wancfg[0]);
	case XNAT_GENA_L3F:
		*names = l3f;
		return sizeof(l3f) / sizeof(l3f[0]);
	default:
		*names = NULL;
		return 0;
	}
}
