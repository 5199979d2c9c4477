/*
 * profile.h - AnyConnect / Secure Client XML profiles, preferences and local policy,
 * read the way Secure Client reads them (issue 5).
 *
 * profile/ does no I/O: every parser takes bytes and the file name used in messages.
 * Reading directories goes through struct profile_fs_ops (platform/linux implements it).
 *
 * Model:
 *  - struct profile: one AnyConnectProfile file: ClientInitialization settings
 *    (enum profile_key) and its ServerList hosts. Absent elements take the schema
 *    default (AnyConnectProfile.xsd). Unknown elements are kept and logged at debug.
 *  - struct profile_prefs: preferences.xml (user) or preferences_global.xml; their
 *    ControllablePreferences apply only where the profile says UserControllable="true".
 *  - struct profile_set: every profile of the profile directories merged into one host
 *    list (first HostName wins, warning for the rest) plus the two preference files.
 *  - struct profile_value: an effective value and where it came from.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Where Secure Client and Anyroam look for profiles, in priority order. */
#define PROFILE_DIR_ANYROAM	 "/etc/anyroam/profile"
#define PROFILE_DIR_SECURECLIENT "/opt/cisco/secureclient/vpn/profile"
#define PROFILE_DIR_ANYCONNECT	 "/opt/cisco/anyconnect/profile"
/*
 * Preference files, in priority order: Anyroam's own, then the names Secure Client and
 * AnyConnect use on Linux (global: machine-wide; user: relative to the user's home).
 */
#define PROFILE_PREFS_GLOBAL_ANYROAM	  "/etc/anyroam/preferences_global.xml"
#define PROFILE_PREFS_GLOBAL_SECURECLIENT "/opt/cisco/secureclient/vpn/.anyconnect_global"
#define PROFILE_PREFS_GLOBAL_ANYCONNECT	  "/opt/cisco/anyconnect/.anyconnect_global"
#define PROFILE_PREFS_USER_ANYROAM	  ".config/anyroam/preferences.xml"
#define PROFILE_PREFS_USER_ANYCONNECT	  ".anyconnect"
/* A profile file larger than this is refused (-EMSGSIZE) before parsing. */
#define PROFILE_FILE_MAX (1024u * 1024u)

/* ---- diagnostics: structured errors and warnings (STYLE.md §11) ---- */

enum profile_diag_level {
	PROFILE_DIAG_ERROR,
	PROFILE_DIAG_WARNING,
	PROFILE_DIAG_DEBUG, /* e.g. unknown element kept */
	_PROFILE_DIAG_LEVEL_MAX,
};

struct profile_diag {
	enum profile_diag_level level;
	char *file;	   /* name as given to the parser */
	unsigned int line; /* 0 = whole file */
	char *element;	   /* NULL when not about one element */
	char *message; /* e.g. "'Reconnect' is not one of DisconnectOnSuspend, ReconnectAfterResume"
			*/
};

struct profile_diags {
	struct profile_diag *v;
	size_t n;
	size_t n_errors;
};

void profile_diags_done(struct profile_diags *d);
/* "file:line: element: message" (parts that are absent are left out); caller frees. */
char *profile_diag_format(const struct profile_diag *diag);
/* The first error, or NULL. */
const struct profile_diag *profile_diags_first_error(const struct profile_diags *d);

/* ---- settings ---- */

enum profile_type {
	PROFILE_TYPE_BOOL, /* "true" / "false" -> num 1 / 0 */
	PROFILE_TYPE_ENUM, /* one of a list -> num = index */
	PROFILE_TYPE_INT,  /* integer in [min, max] -> num */
	PROFILE_TYPE_STRING,
	_PROFILE_TYPE_MAX,
};

/*
 * X(KEY, element, parent, type, default, values, min, max, uc)
 * parent: the key whose element contains this one (mixed content), or NONE for a direct
 * child of ClientInitialization / HostEntry (per scope). values: '|'-separated enum values.
 * uc: -1 no UserControllable attribute; else the attribute's schema default (0/1).
 */
#define PROFILE_CLIENT_KEYS(X)                                                                     \
	X(USE_START_BEFORE_LOGON, "UseStartBeforeLogon", NONE, BOOL, "false", NULL, 0, 0, 1)       \
	X(AUTOMATIC_CERT_SELECTION, "AutomaticCertSelection", NONE, BOOL, "true", NULL, 0, 0, 1)   \
	X(SHOW_PRE_CONNECT_MESSAGE, "ShowPreConnectMessage", NONE, BOOL, "false", NULL, 0, 0, -1)  \
	X(CERTIFICATE_STORE, "CertificateStore", NONE, ENUM, "All", "All|Machine|User", 0, 0, -1)  \
	X(CERTIFICATE_STORE_MAC, "CertificateStoreMac", NONE, ENUM, "All", "All|System|Login", 0,  \
	  0, -1)                                                                                   \
	X(CERTIFICATE_STORE_LINUX, "CertificateStoreLinux", NONE, ENUM, "All", "All|Machine|User", \
	  0, 0, -1)                                                                                \
	X(CERTIFICATE_STORE_OVERRIDE, "CertificateStoreOverride", NONE, BOOL, "false", NULL, 0, 0, \
	  -1)                                                                                      \
	X(PROXY_SETTINGS, "ProxySettings", NONE, ENUM, "Native", "Native|IgnoreProxy|Override", 0, \
	  0, 1)                                                                                    \
	X(PUBLIC_PROXY_SERVER_ADDRESS, "PublicProxyServerAddress", PROXY_SETTINGS, STRING, "",     \
	  NULL, 0, 0, 1)                                                                           \
	X(ALLOW_LOCAL_PROXY_CONNECTIONS, "AllowLocalProxyConnections", NONE, BOOL, "true", NULL,   \
	  0, 0, -1)                                                                                \
	X(AUTO_CONNECT_ON_START, "AutoConnectOnStart", NONE, BOOL, "false", NULL, 0, 0, 1)         \
	X(MINIMIZE_ON_CONNECT, "MinimizeOnConnect", NONE, BOOL, "true", NULL, 0, 0, 1)             \
	X(LOCAL_LAN_ACCESS, "LocalLanAccess", NONE, BOOL, "false", NULL, 0, 0, 1)                  \
	X(DISABLE_CAPTIVE_PORTAL_DETECTION, "DisableCaptivePortalDetection", NONE, BOOL, "false",  \
	  NULL, 0, 0, 1)                                                                           \
	X(AUTO_RECONNECT, "AutoReconnect", NONE, BOOL, "true", NULL, 0, 0, 0)                      \
	X(AUTO_RECONNECT_BEHAVIOR, "AutoReconnectBehavior", AUTO_RECONNECT, ENUM,                  \
	  "DisconnectOnSuspend", "DisconnectOnSuspend|ReconnectAfterResume", 0, 0, 0)              \
	X(SUSPEND_ON_CONNECTED_STANDBY, "SuspendOnConnectedStandby", NONE, BOOL, "false", NULL, 0, \
	  0, -1)                                                                                   \
	X(AUTO_UPDATE, "AutoUpdate", NONE, BOOL, "true", NULL, 0, 0, 0)                            \
	X(RSA_SECURID_INTEGRATION, "RSASecurIDIntegration", NONE, ENUM, "Automatic",               \
	  "Automatic|SoftwareToken|HardwareToken", 0, 0, 0)                                        \
	X(WINDOWS_LOGON_ENFORCEMENT, "WindowsLogonEnforcement", NONE, ENUM, "SingleLocalLogon",    \
	  "SingleLogon|SingleLocalLogon|SingleLogonNoRemote", 0, 0, -1)                            \
	X(LINUX_LOGON_ENFORCEMENT, "LinuxLogonEnforcement", NONE, ENUM, "SingleLocalLogon",        \
	  "SingleLogon|SingleLocalLogon|SingleLogonNoRemote", 0, 0, -1)                            \
	X(WINDOWS_VPN_ESTABLISHMENT, "WindowsVPNEstablishment", NONE, ENUM, "AllowRemoteUsers",    \
	  "LocalUsersOnly|AllowRemoteUsers", 0, 0, -1)                                             \
	X(LINUX_VPN_ESTABLISHMENT, "LinuxVPNEstablishment", NONE, ENUM, "AllowRemoteUsers",        \
	  "LocalUsersOnly|AllowRemoteUsers", 0, 0, -1)                                             \
	X(RETAIN_VPN_ON_LOGOFF, "RetainVpnOnLogoff", NONE, BOOL, "false", NULL, 0, 0, -1)          \
	X(USER_ENFORCEMENT, "UserEnforcement", RETAIN_VPN_ON_LOGOFF, ENUM, "SameUserOnly",         \
	  "SameUserOnly|AnyUser", 0, 0, -1)                                                        \
	X(AUTOMATIC_VPN_POLICY, "AutomaticVPNPolicy", NONE, BOOL, "false", NULL, 0, 0, -1)         \
	X(TRUSTED_DNS_DOMAINS, "TrustedDNSDomains", AUTOMATIC_VPN_POLICY, STRING, "", NULL, 0, 0,  \
	  -1)                                                                                      \
	X(TRUSTED_DNS_SERVERS, "TrustedDNSServers", AUTOMATIC_VPN_POLICY, STRING, "", NULL, 0, 0,  \
	  -1)                                                                                      \
	X(TRUSTED_NETWORK_POLICY, "TrustedNetworkPolicy", AUTOMATIC_VPN_POLICY, ENUM,              \
	  "Disconnect", "Connect|Pause|Disconnect|DoNothing", 0, 0, -1)                            \
	X(UNTRUSTED_NETWORK_POLICY, "UntrustedNetworkPolicy", AUTOMATIC_VPN_POLICY, ENUM,          \
	  "Connect", "Connect|DoNothing", 0, 0, -1)                                                \
	X(ALWAYS_ON, "AlwaysOn", AUTOMATIC_VPN_POLICY, BOOL, "false", NULL, 0, 0, -1)              \
	X(CONNECT_FAILURE_POLICY, "ConnectFailurePolicy", ALWAYS_ON, ENUM, "Closed",               \
	  "Closed|Open", 0, 0, -1)                                                                 \
	X(ALLOW_CAPTIVE_PORTAL_REMEDIATION, "AllowCaptivePortalRemediation",                       \
	  CONNECT_FAILURE_POLICY, BOOL, "false", NULL, 0, 0, -1)                                   \
	X(CAPTIVE_PORTAL_REMEDIATION_TIMEOUT, "CaptivePortalRemediationTimeout",                   \
	  ALLOW_CAPTIVE_PORTAL_REMEDIATION, INT, "5", NULL, 0, 100, -1)                            \
	X(APPLY_LAST_VPN_LOCAL_RESOURCE_RULES, "ApplyLastVPNLocalResourceRules",                   \
	  CONNECT_FAILURE_POLICY, BOOL, "false", NULL, 0, 0, -1)                                   \
	X(ALLOW_VPN_DISCONNECT, "AllowVPNDisconnect", ALWAYS_ON, BOOL, "true", NULL, 0, 0, -1)     \
	X(ALLOWED_HOSTS, "AllowedHosts", ALWAYS_ON, STRING, "", NULL, 0, 0, -1)                    \
	X(PPP_EXCLUSION, "PPPExclusion", NONE, ENUM, "Automatic", "Automatic|Disable|Override", 0, \
	  0, 0)                                                                                    \
	X(PPP_EXCLUSION_SERVER_IP, "PPPExclusionServerIP", PPP_EXCLUSION, STRING, "", NULL, 0, 0,  \
	  0)                                                                                       \
	X(ENABLE_SCRIPTING, "EnableScripting", NONE, BOOL, "false", NULL, 0, 0, 0)                 \
	X(TERMINATE_SCRIPT_ON_NEXT_EVENT, "TerminateScriptOnNextEvent", ENABLE_SCRIPTING, BOOL,    \
	  "false", NULL, 0, 0, -1)                                                                 \
	X(ENABLE_POST_SBL_ON_CONNECT_SCRIPT, "EnablePostSBLOnConnectScript", ENABLE_SCRIPTING,     \
	  BOOL, "true", NULL, 0, 0, -1)                                                            \
	X(CERTIFICATE_PINNING, "CertificatePinning", NONE, BOOL, "false", NULL, 0, 0, -1)          \
	X(ENABLE_AUTOMATIC_SERVER_SELECTION, "EnableAutomaticServerSelection", NONE, BOOL,         \
	  "false", NULL, 0, 0, 1)                                                                  \
	X(AUTO_SERVER_SELECTION_IMPROVEMENT, "AutoServerSelectionImprovement",                     \
	  ENABLE_AUTOMATIC_SERVER_SELECTION, INT, "20", NULL, 10, 100, -1)                         \
	X(AUTO_SERVER_SELECTION_SUSPEND_TIME, "AutoServerSelectionSuspendTime",                    \
	  ENABLE_AUTOMATIC_SERVER_SELECTION, INT, "4", NULL, 1, 100, -1)                           \
	X(AUTHENTICATION_TIMEOUT, "AuthenticationTimeout", NONE, INT, "30", NULL, 10, 120, -1)     \
	X(SAFEWORD_SOFTOKEN_INTEGRATION, "SafeWordSofTokenIntegration", NONE, BOOL, "false", NULL, \
	  0, 0, 0)                                                                                 \
	X(ALLOW_IPSEC_OVER_SSL, "AllowIPsecOverSSL", NONE, BOOL, "false", NULL, 0, 0, -1)          \
	X(CLEAR_SMARTCARD_PIN, "ClearSmartcardPin", NONE, BOOL, "true", NULL, 0, 0, 1)             \
	X(SERVICE_DISABLE, "ServiceDisable", NONE, BOOL, "false", NULL, 0, 0, -1)                  \
	X(IP_PROTOCOL_SUPPORT, "IPProtocolSupport", NONE, ENUM, "IPv4,IPv6",                       \
	  "IPv4|IPv6|IPv4,IPv6|IPv6,IPv4", 0, 0, -1)                                               \
	X(CAPTIVE_PORTAL_REMEDIATION_BROWSER_FAILOVER, "CaptivePortalRemediationBrowserFailover",  \
	  NONE, BOOL, "false", NULL, 0, 0, -1)                                                     \
	X(ALLOW_MANUAL_HOST_INPUT, "AllowManualHostInput", NONE, BOOL, "true", NULL, 0, 0, -1)

/* HostEntry children (scope host). */
#define PROFILE_HOST_KEYS(X)                                                                  \
	X(HOST_NAME, "HostName", NONE, STRING, "", NULL, 0, 0, -1)                            \
	X(HOST_ADDRESS, "HostAddress", NONE, STRING, "", NULL, 0, 0, -1)                      \
	X(USER_GROUP, "UserGroup", NONE, STRING, "", NULL, 0, 0, -1)                          \
	X(AUTOMATIC_SCEP_HOST, "AutomaticSCEPHost", NONE, STRING, "", NULL, 0, 0, -1)         \
	X(PRIMARY_PROTOCOL, "PrimaryProtocol", NONE, ENUM, "SSL", "SSL|IPsec", 0, 0, -1)      \
	X(STANDARD_AUTHENTICATION_ONLY, "StandardAuthenticationOnly", PRIMARY_PROTOCOL, BOOL, \
	  "false", NULL, 0, 0, -1)                                                            \
	X(AUTH_METHOD_DURING_IKE_NEGOTIATION, "AuthMethodDuringIKENegotiation",               \
	  STANDARD_AUTHENTICATION_ONLY, ENUM, "EAP-GTC",                                      \
	  "EAP-MD5|EAP-MSCHAPv2|EAP-GTC|EAP-AnyConnect|IKE-RSA|IKE-ECDSA", 0, 0, -1)          \
	X(IKE_IDENTITY, "IKEIdentity", STANDARD_AUTHENTICATION_ONLY, STRING, "", NULL, 0, 0, -1)

#define PROFILE_KEY_ENUM_(k, ...) PROFILE_KEY_##k,
enum profile_key {
	PROFILE_CLIENT_KEYS(PROFILE_KEY_ENUM_)
		_PROFILE_CLIENT_KEY_END, /* keys below this are ClientInitialization settings */
	_PROFILE_HOST_KEY_BEGIN = _PROFILE_CLIENT_KEY_END - 1,
	PROFILE_HOST_KEYS(PROFILE_KEY_ENUM_) _PROFILE_KEY_MAX,
	_PROFILE_KEY_INVALID = -EINVAL,
};
#undef PROFILE_KEY_ENUM_
#define PROFILE_KEY_IS_HOST(k) ((int)(k) > (int)_PROFILE_HOST_KEY_BEGIN && (k) < _PROFILE_KEY_MAX)

/* The element name ("AutoReconnect"); NULL for an out-of-range key. */
const char *profile_key_name(enum profile_key key);
/* By element name (case-sensitive, as XML); _PROFILE_KEY_INVALID if unknown. */
enum profile_key profile_key_from_name(const char *name);
enum profile_type profile_key_type(enum profile_key key);
/* The schema default as text. */
const char *profile_key_default(enum profile_key key);
/* Whether the element takes a UserControllable attribute (only those can take preferences). */
bool profile_key_has_user_controllable(enum profile_key key);

#define PROFILE_ORIGINS(X)                  \
	X(DEFAULT, "schema default")        \
	X(PROFILE, "profile")               \
	X(GLOBAL_PREF, "global preference") \
	X(USER_PREF, "user preference")
#define PROFILE_ORIGIN_ENUM_(o, s) PROFILE_ORIGIN_##o,
enum profile_origin {
	PROFILE_ORIGINS(PROFILE_ORIGIN_ENUM_) _PROFILE_ORIGIN_MAX,
};
#undef PROFILE_ORIGIN_ENUM_
const char *profile_origin_name(enum profile_origin origin);

/* An effective value; text/file point into the profile/prefs it came from (or static). */
struct profile_value {
	const char *text; /* canonical text ("true", "ReconnectAfterResume", "30", ...) */
	long num;	  /* BOOL 0/1, ENUM index into the values, INT value; 0 for STRING */
	enum profile_origin origin;
	bool user_controllable; /* the profile's UserControllable (schema default if absent) */
	const char *file;	/* NULL for DEFAULT */
	unsigned int line;
};

/* ---- one profile file ---- */

struct profile;
struct profile_host;

/*
 * Parses an AnyConnectProfile document. Errors and warnings (with file, line, element)
 * go to diags (may be NULL). Returns 0, -EBADMSG (not well-formed, DOCTYPE, bad value),
 * -EMEDIUMTYPE (well-formed but the root is not AnyConnectProfile: try the others),
 * -EMSGSIZE (over PROFILE_FILE_MAX). *ret_profile is untouched on failure.
 */
_must_check_ int profile_parse(const char *file, const void *data, size_t len,
			       struct profile **ret_profile, struct profile_diags *diags);
struct profile *profile_free(struct profile *p);
void profile_freep(struct profile **p);
const char *profile_file(const struct profile *p);
size_t profile_host_count(const struct profile *p);
const struct profile_host *profile_host_at(const struct profile *p, size_t i);
/* Names of unknown elements that were kept (for `profile check`), with their lines. */
size_t profile_unknown_count(const struct profile *p);
const char *profile_unknown_at(const struct profile *p, size_t i, unsigned int *ret_line);
/* Client-wide lists: BackupServerList/HostAddress and CertificatePinning's Pin values. */
size_t profile_backup_server_count(const struct profile *p);
const char *profile_backup_server_at(const struct profile *p, size_t i);
size_t profile_pin_count(const struct profile *p);
const char *profile_pin_at(const struct profile *p, size_t i);

/* AutomaticVPNPolicy/TrustedHttpsServerList entries (trusted network detection). */
struct profile_trusted_https {
	const char *address;
	const char *port;
	const char *certificate_hash;
};
size_t profile_trusted_https_count(const struct profile *p);
const struct profile_trusted_https *profile_trusted_https_at(const struct profile *p, size_t i);

/* A HostEntry. Its client settings are those of the profile it came from. */
const char *profile_host_name(const struct profile_host *h);
/* HostAddress, or HostName when HostAddress is absent (as Secure Client connects). */
const char *profile_host_address(const struct profile_host *h);
const struct profile *profile_host_profile(const struct profile_host *h);
/*
 * Splits a HostAddress as profiles write it - "vpn.example.com", "vpn.example.com:4443",
 * "192.0.2.1:443", "[2001:db8::1]:443", "2001:db8::1", "https://127.0.0.1/group" - into
 * the host part (certificate names are matched against it, PROTOCOL.md §5.2) and a port
 * (0 when none is given). -EBADMSG for an empty host or a bad port.
 */
_must_check_ int profile_address_split(const char *address, char **ret_host,
				       unsigned int *ret_port);
unsigned int profile_host_line(const struct profile_host *h);
size_t profile_host_backup_count(const struct profile_host *h);
const char *profile_host_backup_at(const struct profile_host *h, size_t i);
size_t profile_host_pin_count(const struct profile_host *h);
const char *profile_host_pin_at(const struct profile_host *h, size_t i);
/* A host-scope key (HOST_NAME ... IKE_IDENTITY) with its origin (DEFAULT or PROFILE). */
_must_check_ int profile_host_value(const struct profile_host *h, enum profile_key key,
				    struct profile_value *ret);

/* ---- preferences ---- */

struct profile_prefs;
/* AnyConnectPreferences (preferences.xml / preferences_global.xml / ~/.anyconnect). */
_must_check_ int profile_prefs_parse(const char *file, const void *data, size_t len,
				     struct profile_prefs **ret_prefs, struct profile_diags *diags);
struct profile_prefs *profile_prefs_free(struct profile_prefs *p);
void profile_prefs_freep(struct profile_prefs **p);
/* Top-level preference by element name (DefaultUser, DefaultHostName, ...); NULL if absent. */
const char *profile_prefs_get(const struct profile_prefs *p, const char *name);
/* DefaultHostName, or the legacy DefaultHost, or NULL. */
const char *profile_prefs_default_host(const struct profile_prefs *p);
size_t profile_prefs_count(const struct profile_prefs *p);
const char *profile_prefs_at(const struct profile_prefs *p, size_t i, const char **ret_value);

/* ---- local policy (AnyConnectLocalPolicy.xml) ---- */

struct profile_policy;
_must_check_ int profile_policy_parse(const char *file, const void *data, size_t len,
				      struct profile_policy **ret_policy,
				      struct profile_diags *diags);
struct profile_policy *profile_policy_free(struct profile_policy *p);
void profile_policy_freep(struct profile_policy **p);
/* Flags by element name, e.g. "BypassDownloader",
 * "UpdatePolicy/AllowVPNProfileUpdatesFromAnyServer". */
size_t profile_policy_count(const struct profile_policy *p);
const char *profile_policy_at(const struct profile_policy *p, size_t i, const char **ret_value);
/* -ENOENT if the flag is absent. */
_must_check_ int profile_policy_bool(const struct profile_policy *p, const char *name, bool *ret);

/* ---- effective values ---- */

/*
 * A ClientInitialization key for profile p (NULL = no profile: schema defaults), with
 * the global and then the user preference applied where p says UserControllable="true".
 * Preferences never override a setting whose UserControllable is false.
 */
_must_check_ int profile_effective(const struct profile *p, const struct profile_prefs *global,
				   const struct profile_prefs *user, enum profile_key key,
				   struct profile_value *ret);

/* ---- the merged profile directories ---- */

struct profile_set;
struct profile_set *profile_set_new(void);
struct profile_set *profile_set_free(struct profile_set *set);
void profile_set_freep(struct profile_set **set);
/*
 * Adds a parsed profile (the set takes ownership) and merges its hosts. A HostName
 * already in the set keeps its first entry (earlier directory, then file name order);
 * the duplicate gets a warning in diags and is ignored.
 */
void profile_set_add(struct profile_set *set, struct profile *p, struct profile_diags *diags);
/* Takes ownership of either (NULL leaves the current one). */
void profile_set_set_prefs(struct profile_set *set, struct profile_prefs *global,
			   struct profile_prefs *user);
size_t profile_set_profile_count(const struct profile_set *set);
const struct profile *profile_set_profile_at(const struct profile_set *set, size_t i);
size_t profile_set_host_count(const struct profile_set *set);
const struct profile_host *profile_set_host_at(const struct profile_set *set, size_t i);
/* By HostName first, then by HostAddress (case-insensitive for addresses); NULL if absent. */
const struct profile_host *profile_set_find_host(const struct profile_set *set, const char *name);
/* Effective ClientInitialization key for a host (its profile + the set's preferences). */
_must_check_ int profile_set_effective(const struct profile_set *set, const struct profile_host *h,
				       enum profile_key key, struct profile_value *ret);

/* The EAP method the agent runs, from PrimaryProtocol/StandardAuthenticationOnly. */
#define PROFILE_AUTH_METHODS(X)             \
	X(EAP_ANYCONNECT, "EAP-AnyConnect") \
	X(EAP_MD5, "EAP-MD5")               \
	X(EAP_MSCHAPV2, "EAP-MSCHAPv2")     \
	X(EAP_GTC, "EAP-GTC")               \
	X(IKE_RSA, "IKE-RSA")               \
	X(IKE_ECDSA, "IKE-ECDSA")
#define PROFILE_AUTH_ENUM_(a, s) PROFILE_AUTH_##a,
enum profile_auth {
	PROFILE_AUTH_METHODS(PROFILE_AUTH_ENUM_) _PROFILE_AUTH_MAX,
	_PROFILE_AUTH_INVALID = -EINVAL,
};
#undef PROFILE_AUTH_ENUM_
const char *profile_auth_name(enum profile_auth a);

/* What the agent needs to connect to one host, each value with its origin. */
struct profile_settings {
	const char *host_name;
	const char *host_address;
	struct profile_value user_group;
	struct profile_value primary_protocol; /* "SSL" (schema default) or "IPsec" */
	/*
	 * StandardAuthenticationOnly false (default): EAP-AnyConnect (Cisco's aggregate
	 * auth); true: AuthMethodDuringIKENegotiation, schema default EAP-GTC.
	 */
	enum profile_auth auth_method;
	struct profile_value auth_method_value;
	struct profile_value ike_identity;   /* "" = none: KEY_ID *$AnyConnectClient$* */
	struct profile_value auto_reconnect; /* num: bool */
	struct profile_value
		auto_reconnect_behavior; /* num: 0 DisconnectOnSuspend, 1 ReconnectAfterResume */
	struct profile_value authentication_timeout; /* num: seconds */
	struct profile_value local_lan_access;
	struct profile_value ip_protocol_support;
	struct profile_value certificate_pinning;
	size_t n_pins; /* host pins, else the profile's */
	const char *const *pins;
};
#define PROFILE_BEHAVIOR_DISCONNECT_ON_SUSPEND	0
#define PROFILE_BEHAVIOR_RECONNECT_AFTER_RESUME 1

/* Fills ret for h (found with profile_set_find_host); pointers live as long as the set. */
_must_check_ int profile_set_host_settings(const struct profile_set *set,
					   const struct profile_host *h,
					   struct profile_settings *ret);

/* ---- loading directories through an I/O seam ---- */

typedef int (*profile_list_func_t)(void *user_data, const char *dir, char ***ret_names,
				   size_t *ret_n);
typedef int (*profile_read_func_t)(void *user_data, const char *path, uint8_t **ret_data,
				   size_t *ret_len);
struct profile_fs_ops {
	/* Names (not paths) of regular files in dir; -ENOENT if dir is absent. Caller frees. */
	profile_list_func_t list_dir;
	/* Whole file, at most max bytes; caller frees with free(). */
	profile_read_func_t read_file;
};

/*
 * Loads every *.xml of dirs (in that order; each directory's files sorted by name) into
 * set. A file that fails to parse is skipped with its errors in diags; a missing
 * directory is fine. Returns the number of profiles loaded (>= 0).
 */
int profile_set_load_dirs(struct profile_set *set, const char *const *dirs, size_t n_dirs,
			  const struct profile_fs_ops *ops, void *user_data,
			  struct profile_diags *diags);
/*
 * The first of paths that exists (e.g. the PROFILE_PREFS_GLOBAL_* paths), parsed as
 * AnyConnectPreferences. -ENOENT if none exists; parse errors are in diags.
 */
_must_check_ int profile_prefs_load(const char *const *paths, size_t n_paths,
				    const struct profile_fs_ops *ops, void *user_data,
				    struct profile_prefs **ret_prefs, struct profile_diags *diags);
/* The three standard directories above, Anyroam's first. */
extern const char *const profile_default_dirs[3];

/* ---- the lab profile anyroam-gw --lab writes ---- */

/* HostName IKEv2_Gateway -> address, IPsec, EAP-AnyConnect, AutoReconnect + ReconnectAfterResume.
 */
char *profile_lab_xml(const char *address);
