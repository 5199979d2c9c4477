/*
 * ike_const.h - IKEv2 protocol numbers under their IANA names, and the caps on sizes
 * and counts the codec and the engine enforce before they allocate (STYLE.md §1, §4).
 * Private Cisco numbers live in cisco_compat.h, never here (PROTOCOL.md §0).
 */
#pragma once

#include <stdint.h>

/* RFC 7296 §3.1: header */
#define IKE_HDR_LEN	       28
#define IKE_PLD_HDR_LEN	       4
#define IKE_VERSION_2	       0x20
#define IKE_FLAG_INITIATOR     0x08
#define IKE_FLAG_VERSION       0x10
#define IKE_FLAG_RESPONSE      0x20
#define IKE_PLD_FLAG_CRITICAL  0x80
#define IKE_NON_ESP_MARKER_LEN 4 /* RFC 3948 §2.2 */
#define IKE_PORT	       500
#define IKE_NATT_PORT	       4500

/* RFC 7296 §3.1: exchange types */
enum ike_exchange {
	IKE_EXCHANGE_SA_INIT = 34,
	IKE_EXCHANGE_AUTH = 35,
	IKE_EXCHANGE_CREATE_CHILD_SA = 36,
	IKE_EXCHANGE_INFORMATIONAL = 37,
};

/* RFC 7296 §3.2, RFC 7383 §2.5: payload types */
enum ike_payload_type {
	IKE_PLD_NONE = 0,
	IKE_PLD_SA = 33,
	IKE_PLD_KE = 34,
	IKE_PLD_IDI = 35,
	IKE_PLD_IDR = 36,
	IKE_PLD_CERT = 37,
	IKE_PLD_CERTREQ = 38,
	IKE_PLD_AUTH = 39,
	IKE_PLD_NONCE = 40,
	IKE_PLD_NOTIFY = 41,
	IKE_PLD_DELETE = 42,
	IKE_PLD_VENDOR = 43,
	IKE_PLD_TSI = 44,
	IKE_PLD_TSR = 45,
	IKE_PLD_SK = 46,
	IKE_PLD_CP = 47,
	IKE_PLD_EAP = 48,
	IKE_PLD_SKF = 53,
	/* 132, Cisco fragment: cisco_compat.h */
};

/* RFC 7296 §3.3: protocol IDs */
enum ike_proto {
	IKE_PROTO_NONE = 0,
	IKE_PROTO_IKE = 1,
	IKE_PROTO_AH = 2,
	IKE_PROTO_ESP = 3,
};

/* RFC 7296 §3.3.2: transform types */
enum ike_transform_type {
	IKE_TRANSFORM_ENCR = 1,
	IKE_TRANSFORM_PRF = 2,
	IKE_TRANSFORM_INTEG = 3,
	IKE_TRANSFORM_DH = 4,
	IKE_TRANSFORM_ESN = 5,
};

#define IKE_ENCR_AES_CBC	    12
#define IKE_ENCR_AES_GCM_16	    20 /* RFC 5282 */
#define IKE_PRF_HMAC_SHA2_256	    5
#define IKE_PRF_HMAC_SHA2_384	    6
#define IKE_PRF_HMAC_SHA2_512	    7
#define IKE_INTEG_NONE		    0
#define IKE_INTEG_HMAC_SHA2_256_128 12
#define IKE_INTEG_HMAC_SHA2_384_192 13
#define IKE_INTEG_HMAC_SHA2_512_256 14
#define IKE_DH_NONE		    0
#define IKE_DH_MODP_2048	    14
#define IKE_DH_ECP_256		    19
#define IKE_DH_ECP_384		    20
#define IKE_DH_ECP_521		    21
#define IKE_DH_CURVE25519	    31
#define IKE_ESN_NONE		    0
/* RFC 7296 §3.3.5: Key Length, TV format */
#define IKE_ATTR_KEY_LENGTH 14
#define IKE_ATTR_FORMAT_TV  0x8000

/* RFC 7296 §3.5: ID types */
enum ike_id_type {
	IKE_ID_IPV4_ADDR = 1,
	IKE_ID_FQDN = 2,
	IKE_ID_RFC822_ADDR = 3,
	IKE_ID_IPV6_ADDR = 5,
	IKE_ID_DER_ASN1_DN = 9,
	IKE_ID_KEY_ID = 11,
};

/* RFC 7296 §3.8, RFC 4754, RFC 7427: auth methods */
enum ike_auth_method {
	IKE_AUTH_NONE = 0,
	IKE_AUTH_RSA_SIG = 1,
	IKE_AUTH_SHARED_KEY_MIC = 2,
	IKE_AUTH_ECDSA_256 = 9,
	IKE_AUTH_ECDSA_384 = 10,
	IKE_AUTH_ECDSA_521 = 11,
	IKE_AUTH_DIGITAL_SIGNATURE = 14,
};

/* RFC 7427 §7: hash algorithms for SIGNATURE_HASH_ALGORITHMS */
#define IKE_HASH_SHA1	  1
#define IKE_HASH_SHA2_256 2
#define IKE_HASH_SHA2_384 3
#define IKE_HASH_SHA2_512 4

/* RFC 7296 §3.6: certificate encoding */
#define IKE_CERT_X509_SIGNATURE 4

/* RFC 7296 §3.15: CP types and attributes */
#define IKE_CFG_REQUEST				  1
#define IKE_CFG_REPLY				  2
#define IKE_CFG_SET				  3
#define IKE_CFG_ACK				  4
#define IKE_CFG_INTERNAL_IP4_ADDRESS		  1
#define IKE_CFG_INTERNAL_IP4_NETMASK		  2
#define IKE_CFG_INTERNAL_IP4_DNS		  3
#define IKE_CFG_APPLICATION_VERSION		  7
#define IKE_CFG_INTERNAL_IP6_ADDRESS		  8
#define IKE_CFG_INTERNAL_IP6_DNS		  10
#define IKE_CFG_INTERNAL_IP4_SUBNET		  13
#define IKE_CFG_INTERNAL_IP6_SUBNET		  15
#define IKE_CFG_TIMEOUT_PERIOD_FOR_LIVENESS_CHECK 24 /* 3GPP TS 24.302 */
#define IKE_CFG_INTERNAL_DNS_DOMAIN		  25 /* RFC 8598 */

/* RFC 7296 §3.13.1: traffic selector types */
#define IKE_TS_IPV4_ADDR_RANGE 7
#define IKE_TS_IPV6_ADDR_RANGE 8

/* RFC 7296 §3.10.1: notify types */
enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_SINGLE_PAIR_REQUIRED = 34,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE_N_FAILED_CP_REQUIRED = 37,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_SET_WINDOW_SIZE = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE_N_IPCOMP_SUPPORTED = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKE_N_REKEY_SA = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE_N_MOBIKE_SUPPORTED = 16396,
	IKE_N_EAP_ONLY_AUTHENTICATION = 16417,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430, /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431,     /* RFC 7427 */
};
/* RFC 7296 §3.10.1: types below this are errors */
#define IKE_N_ERROR_MAX 16383

/* RFC 3748 §4: EAP codes */
#define IKE_EAP_CODE_REQUEST  1
#define IKE_EAP_CODE_RESPONSE 2
#define IKE_EAP_CODE_SUCCESS  3
#define IKE_EAP_CODE_FAILURE  4

/* Caps: a length or count off the wire meets these before anything is allocated. */
#define IKE_MSG_MAX	    (64u * 1024u) /* a reassembled message, PROTOCOL.md §10 */
#define IKE_MAX_PAYLOADS    64
#define IKE_MAX_PROPOSALS   16
#define IKE_MAX_TRANSFORMS  32 /* per proposal */
#define IKE_MAX_NOTIFIES    32
#define IKE_MAX_VENDOR_IDS  16
#define IKE_MAX_CERTS	    8
#define IKE_MAX_TS	    8
#define IKE_MAX_CP_ATTRS    64
#define IKE_MAX_DELETE_SPIS 32
#define IKE_MAX_FRAGMENTS   32 /* PROTOCOL.md §10 */
#define IKE_NONCE_MIN	    16 /* RFC 7296 §2.10 */
#define IKE_NONCE_MAX	    256
#define IKE_NONCE_LEN	    32	 /* what we send */
#define IKE_KE_MAX	    1024 /* MODP-2048 is 256 B; room for 4096-bit */
#define IKE_ID_MAX	    256
#define IKE_AUTH_DATA_MAX   1024
#define IKE_COOKIE_MAX	    64 /* RFC 7296 §2.6: 1..64 bytes */
#define IKE_EAP_MAX	    16384
#define IKE_VID_MAX	    256
#define IKE_SPI_LEN	    8
#define IKE_ESP_SPI_LEN	    4
#define IKE_NAT_HASH_LEN    20 /* SHA-1, RFC 7296 §2.23 */
