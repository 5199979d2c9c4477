/*
 * cisco_compat.h - every private number and byte string Anyroam uses to speak the
 * Secure Client / IOS dialect (PROTOCOL.md §0, §5.1, §8.2, §9, §10). When a capture
 * of real Cisco equipment is available, this is the only file to edit.
 * Status of each value is in PROTOCOL.md; "unverified local choice" ones are marked.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* §5.1: the AnyConnect identity, KEY_ID (11) on the wire; 201 accepted (RE) */
#define CISCO_ANYCONNECT_ID	    "*$AnyConnectClient$*"
#define CISCO_ANYCONNECT_ID_LEN	    20
#define CISCO_ID_ANYCONNECT_PRIVATE 201

/* §8.2: private CP attributes (16384-32767) */
#define CISCO_CFG_BANNER	  28672 /* unverified local choice (Unity number) */
#define CISCO_CFG_DEF_DOMAIN	  28674 /* unverified local choice (Unity number) */
#define CISCO_CFG_SPLIT_DNS	  28675 /* unverified local choice (Unity number) */
#define CISCO_CFG_BACKUP_GATEWAYS 28681 /* unverified local choice (Unity number) */
#define IKEV2_MODECFG_SESSION_ID  32512 /* unverified local choice; technote name */
#define ANYROAM_SESSION_TOKEN	  32513 /* Anyroam extension, only after both VIDs */

/* §9.2: private status notifies Secure Client and the ASA send; ignored */
#define CISCO_N_PRIVATE_MIN 40960

/* §10: Cisco proprietary fragment payload (RE) */
#define CISCO_PLD_FRAGMENT   132
#define CISCO_FRAG_HDR_LEN   8 /* generic header 4 + id 2 + number 1 + flags 1 */
#define CISCO_FRAG_FLAG_LAST 0x01

/* §9.1: vendor IDs */
static const uint8_t CISCO_VID_DELETE_REASON[] = "CISCO-DELETE-REASON";
static const uint8_t CISCO_VID_COPYRIGHT[] =
	"CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.";
/* MD5("FRAGMENTATION"); the IKEv1 form has a 17th byte 0x80 */
static const uint8_t CISCO_VID_FRAGMENTATION[16] = {
	0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
	0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3,
};
static const uint8_t CISCO_VID_GRE_MODE[] = "CISCO-GRE-MODE"; /* prefix match; IOS appends 02 */
#define CISCO_GRE_MODE_IOS_VERSION 0x02
static const uint8_t CISCO_VID_ANYCONNECT_EAP[] = "CISCO-ANYCONNECT-EAP";
static const uint8_t CISCO_VID_NGE_LEVEL[] = "CISCO-NGE-LEVEL";
static const uint8_t CISCO_VID_ANYCONNECT_STRAP[] = "CISCO-ANYCONNECT-STRAP";
static const uint8_t ANYROAM_VID_TOKEN_ROTATION[] = "ANYROAM-TOKEN-ROTATION"; /* prefix match */
/* the opaque VID of the first IKE_AUTH request: random bytes, meaning unknown (RE) */
#define CISCO_OPAQUE_VID_LEN 20

/* the string literals above carry a NUL the wire does not */
#define CISCO_VID_LEN(v) (sizeof(v) == 16 ? sizeof(v) : sizeof(v) - 1)

/* Vendor IDs we recognise; matching rules in cisco_vid_match(). */
enum cisco_vid {
	CISCO_VID_UNKNOWN,
	CISCO_VID_ID_DELETE_REASON,
	CISCO_VID_ID_COPYRIGHT,
	CISCO_VID_ID_FRAGMENTATION,
	CISCO_VID_ID_GRE_MODE,
	CISCO_VID_ID_ANYCONNECT_EAP,
	CISCO_VID_ID_NGE_LEVEL,
	CISCO_VID_ID_ANYCONNECT_STRAP,
	CISCO_VID_ID_TOKEN_ROTATION,
	_CISCO_VID_MAX,
};

/* Exact match, except GRE-MODE and TOKEN-ROTATION by prefix (§9.1). */
enum cisco_vid cisco_vid_match(const uint8_t *p, size_t n);
/* True for the AnyConnect identity with ID type 11 or 201 (§5.1). */
int cisco_is_anyconnect_id(uint8_t type, const uint8_t *p, size_t n);
