/*
 * eap_gtc.c - EAP Generic Token Card (RFC 3748 §5.6), peer and server.
 *
 * The Request carries a displayable prompt, the Response the user's answer in clear
 * (protected here by the IKE SA). No MSK, no mutual authentication. The server checks
 * the answer as a password (verifier or cleartext).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "eap/eap_internal.h"

#define GTC_PROMPT_MAX 1024u

int eap_gtc_peer_process(struct eap_peer *p, const struct eap_pkt *req, struct buf_writer *wr)
{
	_cleanup_free_ char *prompt = NULL;
	const struct secret *answer;
	int r;

	if (req->data_len > GTC_PROMPT_MAX || memchr(req->data, 0, req->data_len))
		return -EBADMSG;
	prompt = xstrndup((const char *)req->data, req->data_len);
	/* the configured password answers the first prompt; any later one (a token code,
	 * a second factor) goes to the user */
	answer = p->answered ? eap_answers_get(&p->answers, "password") : NULL;
	if (!answer && !p->gtc_used && p->password)
		answer = p->password;
	if (!answer)
		return eap_peer_ask_credentials(p, EAP_METHOD_GTC, false, prompt[0] ? prompt : NULL,
						prompt[0] ? prompt : "Password:");
	p->gtc_used = true;
	p->method_done = true;
	r = eap_pkt_build(wr, EAP_CODE_RESPONSE, req->id, EAP_TYPE_GTC, secret_data(answer),
			  secret_len(answer));
	return r ?: EAP_STATUS_SEND;
}

int eap_gtc_server_start(struct eap_server *s, struct buf_writer *wr)
{
	const char *prompt = s->message ? s->message : "Password:";

	return eap_pkt_build(wr, EAP_CODE_REQUEST, eap_server_next_id(s), EAP_TYPE_GTC, prompt,
			     strlen(prompt))
		       ?: EAP_STATUS_SEND;
}

int eap_gtc_server_process(struct eap_server *s, const struct eap_pkt *resp, struct buf_writer *wr)
{
	_cleanup_secret_ struct secret *pw = NULL;
	int r;

	if (resp->data_len == 0 || resp->data_len > SECRET_MAX)
		return -EBADMSG;
	pw = secret_from(resp->data, resp->data_len);
	r = eap_server_check_password(s, pw);
	if (r == -EACCES) {
		s->out.failed_attempts++;
		return EAP_STATUS_FAILURE;
	}
	return r < 0 ? r : EAP_STATUS_SUCCESS;
}
