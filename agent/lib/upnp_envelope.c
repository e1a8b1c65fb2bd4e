// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SOAP envelopes of UPnP control (see upnp_envelope.h). Requests come
 * from any LAN host: expat reads them with namespaces resolved, a DOCTYPE
 * (hence any entity) stops it at once, and every handler checks depth,
 * counts and lengths before it stores a byte. Nothing recurses on input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <expat.h>
#include "upnp_envelope.h"
#include "xml_escape.h"

#define NS_SEP '|'
#define SOAP_ENV "http://schemas.xmlsoap.org/soap/envelope/"
#define ENVELOPE_START                                                                             \
	"<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"" SOAP_ENV "\" "                         \
	"s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
#define ENVELOPE_END "</s:Body></s:Envelope>\r\n"

/* ------------------------------------------------------------ errors */

static const struct {
	int code;
	const char *text;
} error_texts[] = {
	{ XNAT_UPNP_INVALID_ACTION, "Invalid Action" },
	{ XNAT_UPNP_INVALID_ARGS, "Invalid Args" },
	{ XNAT_UPNP_INVALID_VAR, "Invalid Var" },
	{ XNAT_UPNP_ACTION_FAILED, "Action Failed" },
	{ XNAT_UPNP_NOT_AUTHORIZED, "Action not authorized" },
	{ XNAT_UPNP_BAD_INDEX, "SpecifiedArrayIndexInvalid" },
	{ XNAT_UPNP_NO_SUCH_ENTRY, "NoSuchEntryInArray" },
	{ XNAT_UPNP_WILDCARD_SRC_IP, "WildCardNotPermittedInSrcIP" },
	{ XNAT_UPNP_WILDCARD_EXT_PORT, "WildCardNotPermittedInExtPort" },
	{ XNAT_UPNP_CONFLICT, "ConflictInMappingEntry" },
	{ XNAT_UPNP_SAME_PORTS, "SamePortValuesRequired" },
	{ XNAT_UPNP_PERMANENT_ONLY, "OnlyPermanentLeasesSupported" },
	{ XNAT_UPNP_REMOTE_WILDCARD_ONLY, "RemoteHostOnlySupportsWildcard" },
	{ XNAT_UPNP_EXT_WILDCARD_ONLY, "ExternalPortOnlySupportsWildcard" },
	{ XNAT_UPNP_NO_PORT, "NoPortMapsAvailable" },
	{ XNAT_UPNP_OTHER_MECHANISM, "ConflictWithOtherMechanisms" },
	{ XNAT_UPNP_NOT_FOUND, "PortMappingNotFound" },
	{ XNAT_UPNP_READ_ONLY, "ReadOnly" },
	{ XNAT_UPNP_WILDCARD_INT_PORT, "WildCardNotPermittedInIntPort" },
	{ XNAT_UPNP_INCONSISTENT, "InconsistentParameters" },
};

const char *xnat_upnp_error_text(int code)
{
	for (size_t i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (error_texts[i].code == code)
			return error_texts[i].text;
	return "Action Failed";
}

/* ----------------------------------------------------------- reading */

struct parse {
	XML_Parser p;
	struct xnat_upnp_call *c;
	unsigned int depth;
	bool failed;
	bool in_body, body_seen, action_seen;
	struct xnat_upnp_arg *cur;  /* the argument whose text is being read */
	size_t cur_len;
};

static void fail(struct parse *st)
{
	if (!st->failed)
		XML_StopParser(st->p, XML_FALSE);
	st->failed = true;
}

/* "namespace|local" (or "local"): the local part, and the namespace's length (0: none). */
static const char *local_of(const char *name, size_t *ns_len)
{
	const char *bar = strrchr(name, NS_SEP);

	*ns_len = bar ? (size_t)(bar - name) : 0;
	return bar ? bar + 1 : name;
}

static bool is_soap(const char *name, const char *local)
{
	size_t ns_len;
	const char *l = local_of(name, &ns_len);

	return ns_len == strlen(SOAP_ENV) && !strncmp(name, SOAP_ENV, ns_len) && !strcmp(l, local);
}

/* The Body's first element: namespace is the service type, local name the action. */
static void start_action(struct parse *st, const char *name)
{
	size_t ns_len;
	const char *local = local_of(name, &ns_len);

	if (st->action_seen || !ns_len || ns_len > XNAT_UPNP_MAX_SERVICE || !*local ||
	    strlen(local) > XNAT_UPNP_MAX_NAME)
		return fail(st); /* a second action, or none we could name */
	memcpy(st->c->service, name, ns_len);
	st->c->service[ns_len] = '\0';
	strcpy(st->c->action, local);
	st->action_seen = true;
}

static void start_arg(struct parse *st, const char *name)
{
	size_t ns_len;
	const char *local = local_of(name, &ns_len);
	struct xnat_upnp_call *c = st->c;

	if (c->nargs >= XNAT_UPNP_MAX_ARGS || !*local || strlen(local) > XNAT_UPNP_MAX_NAME ||
	    xnat_upnp_arg(c, local))
		return fail(st); /* too many, unnamed, too long, or twice */
	st->cur = &c->args[c->nargs++];
	strcpy(st->cur->name, local);
	st->cur->value[0] = '\0';
	st->cur_len = 0;
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *st = data;
	unsigned int d = ++st->depth;

	(void)attrs;
	if (st->failed)
		return;
	if (d > XNAT_UPNP_MAX_DEPTH)
		return fail(st);
	if (d == 1) {
		if (!is_soap(name, "Envelope"))
			fail(st);
	} else if (d == 2) {
		if (is_soap(name, "Body")) { /* Header, and anything else, is skipped */
			if (st->body_seen)
				return fail(st);
			st->in_body = st->body_seen = true;
		}
	} else if (st->in_body) {
		if (d == 3)
			start_action(st, name);
		else if (d == 4)
			start_arg(st, name);
		else
			fail(st); /* an argument is a plain value */
	}
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
	struct parse *st = data;
	unsigned int d = st->depth--;

	(void)name;
	if (d == 4)
		st->cur = NULL;
	else if (d == 2)
		st->in_body = false;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
	struct parse *st = data;

	if (st->failed || !st->cur || st->depth != 4 || len <= 0)
		return;
	if ((size_t)len > XNAT_UPNP_MAX_VALUE - st->cur_len)
		return fail(st);
	memcpy(st->cur->value + st->cur_len, s, (size_t)len);
	st->cur_len += (size_t)len;
	st->cur->value[st->cur_len] = '\0';
}

/* No DTD at all: nothing to expand, nothing to fetch. */
static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
			       int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	fail(data);
}

static void XMLCALL on_entity(void *data, const XML_Char *name, int is_param, const XML_Char *value, int len,
			      const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
			      const XML_Char *notation)
{
	(void)name, (void)is_param, (void)value, (void)len;
	(void)base, (void)sysid, (void)pubid, (void)notation;
	fail(data);
}

int xnat_upnp_parse(const char *body, size_t len, struct xnat_upnp_call *c)
{
	struct parse st = { .c = c };
	bool ok;

	memset(c, 0, sizeof(*c));
	if (!body || len > (size_t)1 << 30)
		return XNAT_UPNP_INVALID_ACTION;
	st.p = XML_ParserCreateNS(NULL, NS_SEP);
	if (!st.p)
		return XNAT_UPNP_INVALID_ACTION;
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, on_start, on_end);
	XML_SetCharacterDataHandler(st.p, on_text);
	XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
	XML_SetEntityDeclHandler(st.p, on_entity);
	XML_SetParamEntityParsing(st.p, XML_PARAM_ENTITY_PARSING_NEVER);
	ok = XML_Parse(st.p, body, (int)len, XML_TRUE) == XML_STATUS_OK && !st.failed && st.action_seen;
	XML_ParserFree(st.p);
	if (ok)
		return XNAT_UPNP_OK;
	if (st.action_seen)
		return XNAT_UPNP_INVALID_ARGS;
	memset(c, 0, sizeof(*c));
	return XNAT_UPNP_INVALID_ACTION;
}

const char *xnat_upnp_arg(const struct xnat_upnp_call *c, const char *name)
{
	for (unsigned int i = 0; i < c->nargs; i++)
		if (!strcmp(c->args[i].name, name))
			return c->args[i].value;
	return NULL;
}

/* ----------------------------------------------------------- writing */

void xnat_upnp_out_init(struct xnat_upnp_out *o, char *buf, size_t cap)
{
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->cap = cap;
	if (cap)
		buf[0] = '\0';
	else
		o->full = true;
}

/* Room for n more bytes and the NUL, reserve kept aside? */
static size_t room(const struct xnat_upnp_out *o)
{
	size_t used = o->len + o->reserve + 1;

	return o->full || used >= o->cap ? 0 : o->cap - used;
}

void xnat_upnp_put(struct xnat_upnp_out *o, const char *raw)
{
	size_t n = strlen(raw);

	if (n > room(o)) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, raw, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void xnat_upnp_putf(struct xnat_upnp_out *o, const char *fmt, ...)
{
	size_t avail = room(o);
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, avail + 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > avail) {
		o->buf[o->len] = '\0';
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

void xnat_upnp_put_text(struct xnat_upnp_out *o, const char *text)
{
	int n;

	if (o->full)
		return;
	n = xnat_xml_escape(text, o->buf + o->len, room(o) + 1);
	if (n < 0) {
		o->buf[o->len] = '\0';
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

void xnat_upnp_put_arg(struct xnat_upnp_out *o, const char *name, const char *text)
{
	xnat_upnp_putf(o, "<%s>", name);
	xnat_upnp_put_text(o, text);
	xnat_upnp_putf(o, "</%s>", name);
}

void xnat_upnp_put_arg_u(struct xnat_upnp_out *o, const char *name, unsigned long v)
{
	xnat_upnp_putf(o, "<%s>%lu</%s>", name, v, name);
}

void xnat_upnp_begin(struct xnat_upnp_out *o, const char *service, const char *action)
{
	xnat_upnp_putf(o, ENVELOPE_START "<u:%sResponse xmlns:u=\"", action);
	xnat_upnp_put_text(o, service);
	xnat_upnp_put(o, "\">");
}

void xnat_upnp_end(struct xnat_upnp_out *o, const char *action)
{
	xnat_upnp_putf(o, "</u:%sResponse>" ENVELOPE_END, action);
}

size_t xnat_upnp_end_len(const char *action)
{
	return strlen("</u:Response>" ENVELOPE_END) + strlen(action);
}

static void write_fault(struct xnat_upnp_out *o, int code)
{
	o->len = 0;
	o->reserve = 0;
	o->full = !o->cap;
	if (o->cap)
		o->buf[0] = '\0';
	xnat_upnp_putf(o,
		       ENVELOPE_START "<s:Fault><faultcode>s:Client</faultcode>"
		       "<faultstring>UPnPError</faultstring><detail>"
		       "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\">"
		       "<errorCode>%d</errorCode><errorDescription>%s</errorDescription>"
		       "</UPnPError></detail></s:Fault>" ENVELOPE_END,
		       code, xnat_upnp_error_text(code));
}

size_t xnat_upnp_fault(struct xnat_upnp_out *o, int code)
{
	write_fault(o, code);
	if (o->full)
		write_fault(o, XNAT_UPNP_ACTION_FAILED);
	if (o->full) {
		o->len = 0;
		if (o->cap)
			o->buf[0] = '\0';
	}
	return o->len;
}
