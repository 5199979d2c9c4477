/* buf.c - length-checked reader and writer; see buf.h. */
#include "buf.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

void buf_reader_init(struct buf_reader *rd, const void *data, size_t len)
{
	rd->data = data;
	rd->len = data ? len : 0;
	rd->off = 0;
}

size_t buf_left(const struct buf_reader *rd)
{
	return rd->len - rd->off;
}

const uint8_t *buf_cur(const struct buf_reader *rd)
{
	return rd->data ? rd->data + rd->off : NULL;
}

int buf_get_ptr(struct buf_reader *rd, size_t n, const uint8_t **ret)
{
	if (n > buf_left(rd))
		return -EBADMSG;
	*ret = buf_cur(rd);
	rd->off += n;
	return 0;
}

int buf_get_bytes(struct buf_reader *rd, void *ret, size_t n)
{
	const uint8_t *p;
	int r = buf_get_ptr(rd, n, &p);

	if (r < 0)
		return r;
	if (n)
		memcpy(ret, p, n);
	return 0;
}

int buf_get_u8(struct buf_reader *rd, uint8_t *ret)
{
	return buf_get_bytes(rd, ret, 1);
}

int buf_get_u16(struct buf_reader *rd, uint16_t *ret)
{
	const uint8_t *p;
	int r = buf_get_ptr(rd, 2, &p);

	if (r < 0)
		return r;
	*ret = be16_load(p);
	return 0;
}

int buf_get_u32(struct buf_reader *rd, uint32_t *ret)
{
	const uint8_t *p;
	int r = buf_get_ptr(rd, 4, &p);

	if (r < 0)
		return r;
	*ret = be32_load(p);
	return 0;
}

int buf_get_u64(struct buf_reader *rd, uint64_t *ret)
{
	const uint8_t *p;
	int r = buf_get_ptr(rd, 8, &p);

	if (r < 0)
		return r;
	*ret = (uint64_t)be32_load(p) << 32 | be32_load(p + 4);
	return 0;
}

int buf_get_sub(struct buf_reader *rd, size_t n, struct buf_reader *ret)
{
	const uint8_t *p;
	int r = buf_get_ptr(rd, n, &p);

	if (r < 0)
		return r;
	buf_reader_init(ret, p, n);
	return 0;
}

int buf_skip(struct buf_reader *rd, size_t n)
{
	const uint8_t *p;

	return buf_get_ptr(rd, n, &p);
}

void buf_writer_init(struct buf_writer *wr)
{
	*wr = (struct buf_writer){ 0 };
}

void buf_writer_done(struct buf_writer *wr)
{
	bool sensitive = wr->sensitive;

	if (wr->data && sensitive)
		OPENSSL_cleanse(wr->data, wr->cap);
	free(wr->data);
	buf_writer_init(wr);
	wr->sensitive = sensitive;
}

void buf_writer_reset(struct buf_writer *wr)
{
	if (wr->data && wr->sensitive)
		OPENSSL_cleanse(wr->data, wr->len);
	wr->len = 0;
	wr->error = 0;
}

int buf_writer_error(const struct buf_writer *wr)
{
	return wr->error;
}

uint8_t *buf_writer_steal(struct buf_writer *wr, size_t *ret_len)
{
	uint8_t *p = wr->data;

	if (ret_len)
		*ret_len = wr->len;
	buf_writer_init(wr);
	return p;
}

/* Makes room for n more bytes; sticky error on overflow past BUF_SIZE_MAX. */
static int grow(struct buf_writer *wr, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (wr->error)
		return wr->error;
	if (n > BUF_SIZE_MAX || wr->len > BUF_SIZE_MAX - n)
		return wr->error = -EMSGSIZE;
	want = wr->len + n;
	if (want <= wr->cap)
		return 0;
	cap = wr->cap ? wr->cap : 64;
	while (cap < want)
		cap *= 2;
	if (!wr->sensitive) {
		wr->data = xrealloc(wr->data, cap);
	} else {
		/* never leave key material behind in a block realloc() released */
		p = xmalloc(cap);
		if (wr->len)
			memcpy(p, wr->data, wr->len);
		if (wr->data)
			OPENSSL_cleanse(wr->data, wr->cap);
		free(wr->data);
		wr->data = p;
	}
	wr->cap = cap;
	return 0;
}

int buf_put_bytes(struct buf_writer *wr, const void *p, size_t n)
{
	int r = grow(wr, n);

	if (r < 0)
		return r;
	if (n)
		memcpy(wr->data + wr->len, p, n);
	wr->len += n;
	return 0;
}

int buf_put_zero(struct buf_writer *wr, size_t n)
{
	int r = grow(wr, n);

	if (r < 0)
		return r;
	if (n)
		memset(wr->data + wr->len, 0, n);
	wr->len += n;
	return 0;
}

int buf_put_u8(struct buf_writer *wr, uint8_t v)
{
	return buf_put_bytes(wr, &v, 1);
}

int buf_put_u16(struct buf_writer *wr, uint16_t v)
{
	uint8_t b[2];

	be16_store(b, v);
	return buf_put_bytes(wr, b, 2);
}

int buf_put_u32(struct buf_writer *wr, uint32_t v)
{
	uint8_t b[4];

	be32_store(b, v);
	return buf_put_bytes(wr, b, 4);
}

int buf_put_u64(struct buf_writer *wr, uint64_t v)
{
	int r = buf_put_u32(wr, (uint32_t)(v >> 32));

	return r < 0 ? r : buf_put_u32(wr, (uint32_t)v);
}

int buf_put_str(struct buf_writer *wr, const char *s)
{
	return buf_put_bytes(wr, s, strlen(s));
}

int buf_reserve(struct buf_writer *wr, size_t n, size_t *ret_off)
{
	size_t off = wr->len;
	int r = buf_put_zero(wr, n);

	if (r < 0)
		return r;
	if (ret_off)
		*ret_off = off;
	return 0;
}

size_t buf_mark(const struct buf_writer *wr)
{
	return wr->len;
}

int buf_patch_u16(struct buf_writer *wr, size_t off, uint16_t v)
{
	if (wr->error)
		return wr->error;
	if (off > wr->len || wr->len - off < 2)
		return -EINVAL;
	be16_store(wr->data + off, v);
	return 0;
}

int buf_patch_u32(struct buf_writer *wr, size_t off, uint32_t v)
{
	if (wr->error)
		return wr->error;
	if (off > wr->len || wr->len - off < 4)
		return -EINVAL;
	be32_store(wr->data + off, v);
	return 0;
}
