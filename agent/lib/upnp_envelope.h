/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SOAP envelopes of UPnP control (UDA 1.1, section 3): a request body read
 * into its action and arguments (expat, no DTD, bounded sizes), and the
 * answers written (an action's response, or a UPnPError fault). Knows
 * nothing of the actions themselves: upnp_soap.c routes, upnp_*.c act.
 */
#ifndef XNAT_AGENT_UPNP_ENVELOPE_H
#define XNAT_AGENT_UPNP_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#define XNAT_UPNP_MAX_DEPTH 8        /* Envelope, Body, action, argument: 4 are enough */
#define XNAT_UPNP_MAX_ARGS 16
#define XNAT_UPNP_MAX_VALUE 256      /* bytes of an argument's value (UTF-8) */
#define XNAT_UPNP_MAX_NAME 63        /* an action's or argument's local name */
#define XNAT_UPNP_MAX_SERVICE 127    /* a service type (the action's namespace) */

/* UPnP error codes (UDA 1.1 3.2.2, WANIPConnection:1 and :2). */
enum xnat_upnp_error {
	XNAT_UPNP_OK = 0,
	XNAT_UPNP_INVALID_ACTION = 401,
	XNAT_UPNP_INVALID_ARGS = 402,
	XNAT_UPNP_INVALID_VAR = 404,
	XNAT_UPNP_ACTION_FAILED = 501,
	XNAT_UPNP_NOT_AUTHORIZED = 606,
	XNAT_UPNP_BAD_INDEX = 713,            /* SpecifiedArrayIndexInvalid */
	XNAT_UPNP_NO_SUCH_ENTRY = 714,        /* NoSuchEntryInArray */
	XNAT_UPNP_WILDCARD_SRC_IP = 715,      /* WildCardNotPermittedInSrcIP */
	XNAT_UPNP_WILDCARD_EXT_PORT = 716,    /* WildCardNotPermittedInExtPort */
	XNAT_UPNP_CONFLICT = 718,             /* ConflictInMappingEntry */
	XNAT_UPNP_SAME_PORTS = 724,           /* SamePortValuesRequired */
	XNAT_UPNP_PERMANENT_ONLY = 725,       /* OnlyPermanentLeasesSupported */
	XNAT_UPNP_REMOTE_WILDCARD_ONLY = 726, /* RemoteHostOnlySupportsWildcard */
	XNAT_UPNP_EXT_WILDCARD_ONLY = 727,    /* ExternalPortOnlySupportsWildcard */
	XNAT_UPNP_NO_PORT = 728,              /* NoPortMapsAvailable */
	XNAT_UPNP_OTHER_MECHANISM = 729,      /* ConflictWithOtherMechanisms */
	XNAT_UPNP_NOT_FOUND = 730,            /* PortMappingNotFound */
	XNAT_UPNP_READ_ONLY = 731,            /* ReadOnly */
	XNAT_UPNP_WILDCARD_INT_PORT = 732,    /* WildCardNotPermittedInIntPort */
	XNAT_UPNP_INCONSISTENT = 733,         /* InconsistentParameters */
};

/* The errorDescription of a code ("Action Failed" for one not listed). */
const char *xnat_upnp_error_text(int code);

struct xnat_upnp_arg {
	char name[XNAT_UPNP_MAX_NAME + 1];  /* local name: a namespace, if any, is dropped */
	char value[XNAT_UPNP_MAX_VALUE + 1];
};

/* A request as read from its body. */
struct xnat_upnp_call {
	char service[XNAT_UPNP_MAX_SERVICE + 1]; /* the action element's namespace: the service type */
	char action[XNAT_UPNP_MAX_NAME + 1];     /* its local name; "" when none was reached */
	unsigned int nargs;
	struct xnat_upnp_arg args[XNAT_UPNP_MAX_ARGS];
};

/*
 * Read a request body (len bytes, not NUL-terminated). Returns 0; or 402
 * when the envelope is broken, unsafe (DOCTYPE, entities) or its arguments
 * exceed the bounds, and the action was reached (service and action set);
 * or 401 when it was not (action "").
 */
int xnat_upnp_parse(const char *body, size_t len, struct xnat_upnp_call *c);

/* The value of argument name, or NULL when the request has none. */
const char *xnat_upnp_arg(const struct xnat_upnp_call *c, const char *name);

/*
 * An answer being written to a caller's buffer, always NUL-terminated. A
 * write that does not fit (keeping `reserve` bytes free) writes nothing and
 * sets full, and every later write is refused too: a full answer is cut
 * where it stopped fitting, never missing a piece in its middle.
 */
struct xnat_upnp_out {
	char *buf;
	size_t cap, len;
	size_t reserve;  /* bytes kept back for what must close the answer */
	bool full;
};

void xnat_upnp_out_init(struct xnat_upnp_out *o, char *buf, size_t cap);
void xnat_upnp_put(struct xnat_upnp_out *o, const char *raw);
void xnat_upnp_putf(struct xnat_upnp_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* text, XML-escaped (xnat_xml_escape). */
void xnat_upnp_put_text(struct xnat_upnp_out *o, const char *text);
/* <name>text, escaped</name> and <name>v</name>: an output argument. */
void xnat_upnp_put_arg(struct xnat_upnp_out *o, const char *name, const char *text);
void xnat_upnp_put_arg_u(struct xnat_upnp_out *o, const char *name, unsigned long v);

/* The response envelope up to the arguments, and its end. */
void xnat_upnp_begin(struct xnat_upnp_out *o, const char *service, const char *action);
void xnat_upnp_end(struct xnat_upnp_out *o, const char *action);
/* Bytes xnat_upnp_end will write. */
size_t xnat_upnp_end_len(const char *action);

/*
 * Replace whatever was written with a fault envelope for code; when it
 * does not fit, a 501 fault; when that does not fit either, nothing
 * (len 0). Returns the length written.
 */
size_t xnat_upnp_fault(struct xnat_upnp_out *o, int code);

#endif
