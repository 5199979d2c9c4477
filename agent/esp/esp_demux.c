/*
 * esp_demux.c - what a UDP payload on port 4500 is (RFC 3948 §2, PROTOCOL.md §2):
 * IKE behind the 4-byte non-ESP marker, a 1-byte NAT keepalive, or ESP.
 */
#include "esp/esp.h"

#include "core/buf.h"

#define NON_ESP_MARKER_LEN 4
#define KEEPALIVE_BYTE	   0xFF

#define ESP_DEMUX_KINDS(X)                  \
	X(ESP_DEMUX_IKE, "ike")             \
	X(ESP_DEMUX_KEEPALIVE, "keepalive") \
	X(ESP_DEMUX_ESP, "esp")             \
	X(ESP_DEMUX_INVALID, "invalid")

enum esp_demux_kind esp_demux(const uint8_t *p, size_t n, size_t *ret_off, uint32_t *ret_spi)
{
	uint32_t spi;

	/* RFC 3948 §2.3: the keepalive is exactly one octet of 0xFF */
	if (n == 1)
		return p[0] == KEEPALIVE_BYTE ? ESP_DEMUX_KEEPALIVE : ESP_DEMUX_INVALID;
	if (n < NON_ESP_MARKER_LEN)
		return ESP_DEMUX_INVALID;
	spi = be32_load(p);
	if (spi == 0) {
		/* §2.2: the marker is where an ESP SPI would be; SPI 0 is never ESP */
		*ret_off = NON_ESP_MARKER_LEN;
		return ESP_DEMUX_IKE;
	}
	/* RFC 4303 §2.1: 1-255 are reserved and never appear on the wire */
	if (spi < ESP_SPI_MIN || n < ESP_HDR_LEN)
		return ESP_DEMUX_INVALID;
	*ret_off = 0;
	*ret_spi = spi;
	return ESP_DEMUX_ESP;
}

const char *esp_demux_kind_to_string(enum esp_demux_kind k)
{
#define NAME(v, s) [v] = s,
	static const char *const names[_ESP_DEMUX_KIND_MAX] = {ESP_DEMUX_KINDS(NAME)};
#undef NAME
	return (unsigned int)k < _ESP_DEMUX_KIND_MAX ? names[k] : "unknown";
}
