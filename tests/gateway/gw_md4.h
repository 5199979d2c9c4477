/* gw_md4.h - MD4 (RFC 1320) for the MSCHAPv2 NT hash only. */
#pragma once

#include <stddef.h>
#include <stdint.h>

void gw_md4(const void *data, size_t n, uint8_t out[16]);
