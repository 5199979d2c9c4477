/*
 * buf.h - the length-checked reader and writer (STYLE.md §4).
 *
 * The only code that does arithmetic on packet pointers: every get checks what is
 * left and returns -EBADMSG instead of reading past the end, and the writer
 * refuses to grow past BUF_SIZE_MAX (-EMSGSIZE).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define BUF_SIZE_MAX (16u * 1024u * 1024u)

/* A read cursor over bytes the caller owns. */
struct buf_reader {
	const uint8_t *data;
	size_t len;
	size_t off;
};

void buf_reader_init(struct buf_reader *rd, const void *data, size_t len);
size_t buf_left(const struct buf_reader *rd);
const uint8_t *buf_cur(const struct buf_reader *rd);

_must_check_ int buf_get_u8(struct buf_reader *rd, uint8_t *ret);
_must_check_ int buf_get_u16(struct buf_reader *rd, uint16_t *ret);
_must_check_ int buf_get_u32(struct buf_reader *rd, uint32_t *ret);
_must_check_ int buf_get_u64(struct buf_reader *rd, uint64_t *ret);
/* Copies n bytes into ret. */
_must_check_ int buf_get_bytes(struct buf_reader *rd, void *ret, size_t n);
/* Points *ret at the next n bytes without copying. */
_must_check_ int buf_get_ptr(struct buf_reader *rd, size_t n, const uint8_t **ret);
/* Carves the next n bytes out as a sub-reader and advances past them. */
_must_check_ int buf_get_sub(struct buf_reader *rd, size_t n, struct buf_reader *ret);
_must_check_ int buf_skip(struct buf_reader *rd, size_t n);

/* A growable write buffer. */
struct buf_writer {
	uint8_t *data;
	size_t len;
	size_t cap;
	int error; /* sticky: the first failure, reported by buf_writer_error() */
	bool sensitive; /* wipe on growth and free (holds key material) */
};

void buf_writer_init(struct buf_writer *wr);
/* Frees the storage (wiping it when sensitive) and re-initialises. */
void buf_writer_done(struct buf_writer *wr);
void buf_writer_reset(struct buf_writer *wr);
int buf_writer_error(const struct buf_writer *wr);
/* Hands the bytes to the caller (who frees them); the writer is re-initialised. */
uint8_t *buf_writer_steal(struct buf_writer *wr, size_t *ret_len);

int buf_put_u8(struct buf_writer *wr, uint8_t v);
int buf_put_u16(struct buf_writer *wr, uint16_t v);
int buf_put_u32(struct buf_writer *wr, uint32_t v);
int buf_put_u64(struct buf_writer *wr, uint64_t v);
int buf_put_bytes(struct buf_writer *wr, const void *p, size_t n);
int buf_put_zero(struct buf_writer *wr, size_t n);
int buf_put_str(struct buf_writer *wr, const char *s);
/* Reserves n bytes and returns their offset (or a negative error) for a later patch. */
int buf_reserve(struct buf_writer *wr, size_t n, size_t *ret_off);
/* Length fields: mark where a field is, patch it once its value is known. */
size_t buf_mark(const struct buf_writer *wr);
int buf_patch_u16(struct buf_writer *wr, size_t off, uint16_t v);
int buf_patch_u32(struct buf_writer *wr, size_t off, uint32_t v);

/* Big-endian helpers for fixed arrays that are already bounds-checked. */
static inline uint16_t be16_load(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void be16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
