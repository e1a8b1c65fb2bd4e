/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Text into XML character data or attribute values, for every XML xnatd writes. */
#ifndef XNAT_AGENT_XML_ESCAPE_H
#define XNAT_AGENT_XML_ESCAPE_H

#include <stddef.h>

/*
 * text with &, <, >, " and ' escaped into out (NUL-terminated). Control
 * characters other than tab, CR and LF (not allowed in XML 1.0) are dropped.
 * Returns the length written, or -1 when it does not fit in cap (out is then "").
 */
int xnat_xml_escape(const char *text, char *out, size_t cap);

#endif
