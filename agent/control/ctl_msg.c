/* ctl_msg.c - encode and strictly decode control-protocol messages; see ctl_msg.h. */
#include "ctl_msg.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

#define CTL_TYPE_NAME_(n, s) [CTL_TYPE_##n] = s,
static const char *const type_names[_CTL_TYPE_MAX] = {CTL_TYPES(CTL_TYPE_NAME_)};
#undef CTL_TYPE_NAME_

#define CTL_FIELD_NAME_(n, t, s) [CTL_F_##n] = s,
static const char *const field_names[_CTL_F_MAX] = {CTL_FIELDS(CTL_FIELD_NAME_)};
#undef CTL_FIELD_NAME_

#define CTL_FIELD_TYPE_(n, t, s) [CTL_F_##n] = CTL_FT_##t,
static const enum ctl_field_type field_types[_CTL_F_MAX] = {CTL_FIELDS(CTL_FIELD_TYPE_)};
#undef CTL_FIELD_TYPE_

const char *ctl_type_to_string(enum ctl_type t)
{
	if (t <= _CTL_TYPE_NONE || t >= _CTL_TYPE_MAX)
		return NULL;
	return type_names[t];
}

enum ctl_type ctl_type_from_string(const char *s)
{
	for (int t = _CTL_TYPE_NONE + 1; t < _CTL_TYPE_MAX; t++)
		if (s && strcmp(type_names[t], s) == 0)
			return (enum ctl_type)t;
	return _CTL_TYPE_INVALID;
}

const char *ctl_field_to_string(enum ctl_field f)
{
	if (f <= _CTL_F_NONE || f >= _CTL_F_MAX)
		return NULL;
	return field_names[f];
}

enum ctl_field_type ctl_field_type_of(enum ctl_field f)
{
	if (f <= _CTL_F_NONE || f >= _CTL_F_MAX)
		return 0;
	return field_types[f];
}

bool ctl_type_is_request(enum ctl_type t)
{
	return t >= CTL_TYPE_CONNECT && t <= CTL_TYPE_SIMULATE_RESUME;
}

void ctl_msg_init(struct ctl_msg *m, enum ctl_kind kind, enum ctl_type type, uint32_t id)
{
	*m = (struct ctl_msg){.kind = kind, .type = type, .id = id};
}

static void value_done(struct ctl_value *v)
{
	if (v->type == CTL_FT_STR)
		free(v->str);
	else if (v->type == CTL_FT_SECRET)
		secret_free(v->secret);
}

void ctl_msg_done(struct ctl_msg *m)
{
	for (size_t i = 0; i < m->n_fields; i++)
		value_done(&m->fields[i]);
	free(m->fields);
	ctl_msg_init(m, 0, 0, 0);
}

static struct ctl_value *push(struct ctl_msg *m, enum ctl_field tag, enum ctl_field_type type)
{
	struct ctl_value *v;

	/* callers checked the tag's type and CTL_FIELDS_MAX */
	if (m->n_fields == m->cap_fields) {
		m->cap_fields = m->cap_fields ? m->cap_fields * 2 : 8;
		m->fields = xrealloc(m->fields, m->cap_fields * sizeof(*m->fields));
	}
	v = &m->fields[m->n_fields++];
	*v = (struct ctl_value){.tag = tag, .type = type};
	return v;
}

static int add_check(const struct ctl_msg *m, enum ctl_field tag, enum ctl_field_type type)
{
	if (ctl_field_type_of(tag) != type)
		return -EINVAL;
	return m->n_fields >= CTL_FIELDS_MAX ? -EMSGSIZE : 0;
}

int ctl_msg_add_int(struct ctl_msg *m, enum ctl_field tag, int64_t v)
{
	int r = add_check(m, tag, CTL_FT_INT);

	if (r < 0)
		return r;
	push(m, tag, CTL_FT_INT)->i = v;
	return 0;
}

/* Printable text: no C0 control except TAB and LF, no DEL, valid UTF-8 (RFC 3629 §4). */
static bool text_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t extra;
		uint32_t cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			extra = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			extra = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			extra = 3, cp = c & 0x07;
		else
			return false;
		if (n - i <= extra)
			return false;
		for (size_t k = 1; k <= extra; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and beyond U+10FFFF */
		if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += extra + 1;
	}
	return true;
}

int ctl_msg_add_str(struct ctl_msg *m, enum ctl_field tag, const char *s)
{
	int r = add_check(m, tag, CTL_FT_STR);
	size_t n;

	if (r < 0)
		return r;
	if (!s)
		return -EINVAL;
	n = strlen(s);
	if (n > CTL_STR_MAX)
		return -EMSGSIZE;
	if (!text_ok((const uint8_t *)s, n))
		return -EINVAL;
	push(m, tag, CTL_FT_STR)->str = xstrndup(s, n);
	return 0;
}

int ctl_msg_add_secret(struct ctl_msg *m, enum ctl_field tag, const struct secret *s)
{
	int r = add_check(m, tag, CTL_FT_SECRET);

	if (r < 0)
		return r;
	if (!s)
		return -EINVAL;
	if (secret_len(s) > CTL_SECRET_MAX)
		return -EMSGSIZE;
	push(m, tag, CTL_FT_SECRET)->secret = secret_dup(s);
	return 0;
}

static const struct ctl_value *find(const struct ctl_msg *m, enum ctl_field tag)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (m->fields[i].tag == tag)
			return &m->fields[i];
	return NULL;
}

int ctl_msg_get_int(const struct ctl_msg *m, enum ctl_field tag, int64_t *ret)
{
	const struct ctl_value *v = find(m, tag);

	if (!v || v->type != CTL_FT_INT)
		return -ENOENT;
	*ret = v->i;
	return 0;
}

const char *ctl_msg_get_str(const struct ctl_msg *m, enum ctl_field tag)
{
	const struct ctl_value *v = find(m, tag);

	return v && v->type == CTL_FT_STR ? v->str : NULL;
}

const struct secret *ctl_msg_get_secret(const struct ctl_msg *m, enum ctl_field tag)
{
	const struct ctl_value *v = find(m, tag);

	return v && v->type == CTL_FT_SECRET ? v->secret : NULL;
}

static void encode_value(const struct ctl_value *v, struct buf_writer *wr)
{
	(void)buf_put_u16(wr, (uint16_t)v->tag);
	(void)buf_put_u8(wr, (uint8_t)v->type);
	switch (v->type) {
	case CTL_FT_INT:
		(void)buf_put_u16(wr, 8);
		(void)buf_put_u64(wr, (uint64_t)v->i);
		break;
	case CTL_FT_STR:
		(void)buf_put_u16(wr, (uint16_t)strlen(v->str));
		(void)buf_put_bytes(wr, v->str, strlen(v->str));
		break;
	case CTL_FT_SECRET:
		(void)buf_put_u16(wr, (uint16_t)secret_len(v->secret));
		(void)buf_put_bytes(wr, secret_data(v->secret), secret_len(v->secret));
		break;
	case _CTL_FT_MAX:
		break;
	}
}

int ctl_msg_encode(const struct ctl_msg *m, struct buf_writer *wr)
{
	size_t len_off, start;
	int r;

	if ((r = buf_reserve(wr, CTL_FRAME_HDR, &len_off)) < 0)
		return r;
	start = buf_mark(wr);
	(void)buf_put_u8(wr, CTL_VERSION);
	(void)buf_put_u8(wr, (uint8_t)m->kind);
	(void)buf_put_u16(wr, (uint16_t)m->type);
	(void)buf_put_u32(wr, m->id);
	(void)buf_put_u16(wr, (uint16_t)m->n_fields);
	for (size_t i = 0; i < m->n_fields; i++)
		encode_value(&m->fields[i], wr);
	if ((r = buf_writer_error(wr)) < 0)
		return r;
	if (buf_mark(wr) - start > CTL_FRAME_MAX)
		return -EMSGSIZE;
	return buf_patch_u32(wr, len_off, (uint32_t)(buf_mark(wr) - start));
}

static bool type_fits_kind(enum ctl_kind kind, uint16_t type)
{
	if (type <= _CTL_TYPE_NONE || type >= _CTL_TYPE_MAX)
		return false;
	switch (kind) {
	case CTL_KIND_REQUEST:
	case CTL_KIND_RESPONSE:
		return ctl_type_is_request(type);
	case CTL_KIND_EVENT:
		return !ctl_type_is_request(type);
	case _CTL_KIND_MAX:
	case _CTL_KIND_INVALID:
		break;
	}
	return false;
}

static int decode_value(struct buf_reader *rd, struct ctl_msg *m)
{
	uint16_t tag, len;
	uint8_t type;
	const uint8_t *p;
	uint64_t i;
	int r;

	if ((r = buf_get_u16(rd, &tag)) < 0 || (r = buf_get_u8(rd, &type)) < 0 ||
	    (r = buf_get_u16(rd, &len)) < 0)
		return r;
	if (tag <= _CTL_F_NONE || tag >= _CTL_F_MAX || ctl_field_type_of(tag) != type)
		return -EBADMSG;
	if ((r = buf_get_ptr(rd, len, &p)) < 0)
		return r;
	switch ((enum ctl_field_type)type) {
	case CTL_FT_INT:
		if (len != 8)
			return -EBADMSG;
		i = (uint64_t)be32_load(p) << 32 | be32_load(p + 4);
		push(m, tag, CTL_FT_INT)->i = (int64_t)i;
		return 0;
	case CTL_FT_STR:
		if (len > CTL_STR_MAX)
			return -EMSGSIZE;
		if (!text_ok(p, len))
			return -EBADMSG;
		push(m, tag, CTL_FT_STR)->str = xstrndup((const char *)p, len);
		return 0;
	case CTL_FT_SECRET:
		if (len > CTL_SECRET_MAX)
			return -EMSGSIZE;
		push(m, tag, CTL_FT_SECRET)->secret = secret_from(p, len);
		return 0;
	case _CTL_FT_MAX:
		break;
	}
	return -EBADMSG;
}

int ctl_msg_decode(const uint8_t *p, size_t n, struct ctl_msg *ret)
{
	struct buf_reader rd;
	struct ctl_msg m;
	uint8_t version, kind;
	uint16_t type, count;
	uint32_t id;
	int r;

	if (n > CTL_FRAME_MAX)
		return -EMSGSIZE;
	buf_reader_init(&rd, p, n);
	if ((r = buf_get_u8(&rd, &version)) < 0 || (r = buf_get_u8(&rd, &kind)) < 0 ||
	    (r = buf_get_u16(&rd, &type)) < 0 || (r = buf_get_u32(&rd, &id)) < 0 ||
	    (r = buf_get_u16(&rd, &count)) < 0)
		return r;
	if (version != CTL_VERSION)
		return -EPROTO;
	if (kind < CTL_KIND_REQUEST || kind >= _CTL_KIND_MAX || !type_fits_kind(kind, type))
		return -EBADMSG;
	if (count > CTL_FIELDS_MAX)
		return -EMSGSIZE;
	ctl_msg_init(&m, kind, type, id);
	for (unsigned i = 0; i < count; i++)
		if ((r = decode_value(&rd, &m)) < 0)
			goto fail;
	if (buf_left(&rd) != 0) {
		r = -EBADMSG; /* trailing bytes: the count lied */
		goto fail;
	}
	*ret = m;
	return 0;
fail:
	ctl_msg_done(&m);
	return r;
}

void ctl_msg_init_response(struct ctl_msg *m, const struct ctl_msg *req, int r, const char *text)
{
	ctl_msg_init(m, CTL_KIND_RESPONSE, req->type, req->id);
	(void)ctl_msg_add_int(m, CTL_F_ERRNO, r);
	if (text)
		(void)ctl_msg_add_str(m, CTL_F_MESSAGE, text);
}
