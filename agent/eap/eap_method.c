/*
 * eap_method.c - method names for configuration files and logs.
 */
#include <stdlib.h>
#include <string.h>

#include "eap/eap.h"

static const char *const method_names[_EAP_METHOD_MAX] = {
	[EAP_METHOD_ANYCONNECT] = "anyconnect",
	[EAP_METHOD_MSCHAPV2] = "mschapv2",
	[EAP_METHOD_GTC] = "gtc",
	[EAP_METHOD_MD5] = "md5",
};

const char *eap_method_to_string(enum eap_method m)
{
	if (m < 0 || m >= _EAP_METHOD_MAX)
		return "(none)";
	return method_names[m];
}

enum eap_method eap_method_from_string(const char *s)
{
	int i;

	if (!s)
		return _EAP_METHOD_INVALID;
	for (i = 0; i < _EAP_METHOD_MAX; i++)
		if (strcmp(s, method_names[i]) == 0)
			return (enum eap_method)i;
	return _EAP_METHOD_INVALID;
}
