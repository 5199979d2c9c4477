/* session.c - the session record; see session.h. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

void session_init(struct session *s)
{
	*s = (struct session){.reconnect_timeout = SESSION_RECONNECT_TIMEOUT_DEFAULT};
}

void session_done(struct session *s)
{
	s->token = secret_free(s->token);
	for (size_t i = 0; i < s->n_attrs; i++) {
		free(s->attrs[i].name);
		free(s->attrs[i].value);
	}
	session_init(s);
}

bool session_text_ok(const char *t, size_t max, bool spaces)
{
	size_t n = t ? strlen(t) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x21 || c > 0x7e) {
			if (!(spaces && c == ' '))
				return false;
		}
	}
	return true;
}

int session_set_id(struct session *s, const char *id)
{
	if (!session_text_ok(id, SESSION_ID_MAX, false))
		return -EBADMSG;
	strcpy(s->id, id);
	return 0;
}

int session_set_token(struct session *s, const struct secret *tok)
{
	const uint8_t *p = secret_data(tok);
	size_t n = secret_len(tok);

	if (n < SESSION_TOKEN_MIN || n > SESSION_TOKEN_MAX)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return -EBADMSG;
	secret_free(s->token);
	s->token = secret_dup(tok);
	return 0;
}

int session_add_attr(struct session *s, const char *name, const char *value)
{
	if (s->n_attrs >= SESSION_ATTRS_MAX)
		return -EMSGSIZE;
	if (!session_text_ok(name, 32, false) || !session_text_ok(value, SESSION_TEXT_MAX, true))
		return -EBADMSG;
	s->attrs[s->n_attrs].name = xstrdup(name);
	s->attrs[s->n_attrs].value = xstrdup(value);
	s->n_attrs++;
	return 0;
}

const char *session_get_attr(const struct session *s, const char *name)
{
	for (size_t i = 0; i < s->n_attrs; i++)
		if (strcmp(s->attrs[i].name, name) == 0)
			return s->attrs[i].value;
	return NULL;
}

bool session_can_reconnect(const struct session *s)
{
	return s->id[0] && s->token;
}

bool session_expired(const struct session *s, usec_t now)
{
	return s->lost_at && now >= s->lost_at && now - s->lost_at >= s->reconnect_timeout;
}
