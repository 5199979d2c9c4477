/*
 * profile_lab.c - the client profile `anyroam-gw --lab` writes: the seed's profile
 * (HostName IKEv2_Gateway, IPsec, EAP-AnyConnect, AutoReconnect + ReconnectAfterResume)
 * pointing at the lab gateway's address.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "profile/profile_internal.h"

/* The address is text content: escape what XML 1.0 §2.4 reserves. */
static char *xml_escape(const char *s)
{
	size_t n = 0, o = 0;
	char *e;

	for (const char *p = s; *p; p++)
		n += strchr("<>&\"'", *p) ? 6 : 1;
	e = xmalloc(n + 1);
	for (const char *p = s; *p; p++) {
		const char *rep = *p == '<'    ? "&lt;"
				  : *p == '>'  ? "&gt;"
				  : *p == '&'  ? "&amp;"
				  : *p == '"'  ? "&quot;"
				  : *p == '\'' ? "&apos;"
					       : NULL;
		if (rep) {
			memcpy(e + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			e[o++] = *p;
		}
	}
	e[o] = '\0';
	return e;
}

char *profile_lab_xml(const char *address)
{
	_cleanup_free_ char *a = xml_escape(address ? address : "");
	char *s;

	if (asprintf(&s,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<AnyConnectProfile xmlns=\"http://schemas.xmlsoap.org/encoding/\">\n"
		     "  <ClientInitialization>\n"
		     "    <AuthenticationTimeout>30</AuthenticationTimeout>\n"
		     "    <AutoReconnect UserControllable=\"false\">true\n"
		     "      <AutoReconnectBehavior "
		     "UserControllable=\"false\">ReconnectAfterResume</AutoReconnectBehavior>\n"
		     "    </AutoReconnect>\n"
		     "  </ClientInitialization>\n"
		     "  <ServerList>\n"
		     "    <HostEntry>\n"
		     "      <HostName>IKEv2_Gateway</HostName>\n"
		     "      <HostAddress>%s</HostAddress>\n"
		     "      <PrimaryProtocol>IPsec\n"
		     "        <StandardAuthenticationOnly>true\n"
		     "          "
		     "<AuthMethodDuringIKENegotiation>EAP-AnyConnect</"
		     "AuthMethodDuringIKENegotiation>\n"
		     "        </StandardAuthenticationOnly>\n"
		     "      </PrimaryProtocol>\n"
		     "    </HostEntry>\n"
		     "  </ServerList>\n"
		     "</AnyConnectProfile>\n",
		     a) < 0)
		abort();
	return s;
}
