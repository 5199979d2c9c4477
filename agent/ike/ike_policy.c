/*
 * ike_policy.c - proposals (PROTOCOL.md §3, RFC 7296 §2.7, §3.3): our defaults, turning a
 * policy into SA payload proposals, the responder's choice and the initiator's check.
 */
#include "ike/ike_sa.h"

#include <string.h>

static void set_ids(uint16_t *dst, uint8_t *n, const uint16_t *src, uint8_t count)
{
	memcpy(dst, src, count * sizeof(*src));
	*n = count;
}

void ike_policy_client_default(struct ike_policy *ret)
{
	static const uint16_t prf[] = {7, 6, 5}, dh[] = {19, 20, 21, 31, 14};
	static const uint16_t ike_integ[] = {14, 13, 12}, esp_integ[] = {13, 14, 12};

	memset(ret, 0, sizeof(*ret));
	ret->n_ike = ret->n_esp = 2;
	ret->ike[0].encr = IKE_ENCR_AES_GCM_16;
	ret->ike[1].encr = IKE_ENCR_AES_CBC;
	for (int i = 0; i < 2; i++) {
		ret->ike[i].encr_keylen = ret->esp[i].encr_keylen = 256;
		set_ids(ret->ike[i].prf, &ret->ike[i].n_prf, prf, 3);
		set_ids(ret->ike[i].dh, &ret->ike[i].n_dh, dh, 5);
	}
	set_ids(ret->ike[1].integ, &ret->ike[1].n_integ, ike_integ, 3);
	ret->esp[0].encr = IKE_ENCR_AES_GCM_16;
	ret->esp[1].encr = IKE_ENCR_AES_CBC;
	set_ids(ret->esp[1].integ, &ret->esp[1].n_integ, esp_integ, 3);
}

void ike_policy_gateway_default(struct ike_policy *ret, bool gcm)
{
	/* the technote's "proposal default"; IOS derives PRF 6 from the integrity list too */
	static const uint16_t integ[] = {14, 13}, prf1[] = {7, 6}, dh1[] = {19, 14, 21};
	static const uint16_t prf2[] = {7, 6, 5}, dh2[] = {19, 14, 21, 20, 31};
	static const uint16_t esp_integ[] = {13};

	memset(ret, 0, sizeof(*ret));
	ret->ike[0].encr = IKE_ENCR_AES_CBC;
	ret->ike[0].encr_keylen = 256;
	set_ids(ret->ike[0].integ, &ret->ike[0].n_integ, integ, 2);
	set_ids(ret->ike[0].prf, &ret->ike[0].n_prf, prf1, 2);
	set_ids(ret->ike[0].dh, &ret->ike[0].n_dh, dh1, 3);
	ret->esp[0].encr = IKE_ENCR_AES_CBC;
	ret->esp[0].encr_keylen = 256;
	set_ids(ret->esp[0].integ, &ret->esp[0].n_integ, esp_integ, 1);
	ret->n_ike = ret->n_esp = 1;
	if (!gcm)
		return;
	ret->ike[1].encr = IKE_ENCR_AES_GCM_16;
	ret->ike[1].encr_keylen = 256;
	set_ids(ret->ike[1].prf, &ret->ike[1].n_prf, prf2, 3);
	set_ids(ret->ike[1].dh, &ret->ike[1].n_dh, dh2, 5);
	ret->esp[1].encr = IKE_ENCR_AES_GCM_16;
	ret->esp[1].encr_keylen = 256;
	ret->n_ike = ret->n_esp = 2;
}

static void add_t(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	if (p->n_transforms < IKE_MAX_TRANSFORMS)
		p->t[p->n_transforms++] = (struct ike_transform){type, id, keylen};
}

void ike_policy_proposals(const struct ike_policy *pol, uint8_t proto, const uint8_t *spi,
			  uint8_t spi_size, struct ike_proposal *ret, uint8_t *ret_n)
{
	const struct ike_suite_policy *sp = proto == IKE_PROTO_IKE ? pol->ike : pol->esp;
	uint8_t n = proto == IKE_PROTO_IKE ? pol->n_ike : pol->n_esp;

	for (uint8_t i = 0; i < n; i++) {
		struct ike_proposal *p = &ret[i];

		memset(p, 0, sizeof(*p));
		p->num = i + 1;
		p->proto = proto;
		p->spi_size = spi_size;
		if (spi_size)
			memcpy(p->spi, spi, spi_size);
		add_t(p, IKE_TRANSFORM_ENCR, sp[i].encr, sp[i].encr_keylen);
		for (uint8_t j = 0; proto == IKE_PROTO_IKE && j < sp[i].n_prf; j++)
			add_t(p, IKE_TRANSFORM_PRF, sp[i].prf[j], 0);
		for (uint8_t j = 0; j < sp[i].n_integ; j++)
			add_t(p, IKE_TRANSFORM_INTEG, sp[i].integ[j], 0);
		for (uint8_t j = 0; proto == IKE_PROTO_IKE && j < sp[i].n_dh; j++)
			add_t(p, IKE_TRANSFORM_DH, sp[i].dh[j], 0);
		if (proto == IKE_PROTO_ESP)
			add_t(p, IKE_TRANSFORM_ESN, IKE_ESN_NONE, 0);
	}
	*ret_n = n;
}

static bool offers(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (uint8_t i = 0; i < p->n_transforms; i++)
		if (p->t[i].type == type && p->t[i].id == id &&
		    (type != IKE_TRANSFORM_ENCR || p->t[i].keylen == keylen))
			return true;
	return false;
}

static bool has_type(const struct ike_proposal *p, uint8_t type)
{
	for (uint8_t i = 0; i < p->n_transforms; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

/* Our first value of a list that the proposal offers; absent type matches an empty list. */
static int pick(const struct ike_proposal *p, uint8_t type, const uint16_t *ids, uint8_t n,
		uint16_t *ret)
{
	if (n == 0) {
		*ret = 0;
		return has_type(p, type) && !(type == IKE_TRANSFORM_INTEG && offers(p, type, 0, 0))
			       ? -ENOENT
			       : 0;
	}
	for (uint8_t i = 0; i < n; i++)
		if (offers(p, type, ids[i], 0)) {
			*ret = ids[i];
			return 0;
		}
	return -ENOENT;
}

/* One of our suites against one offered proposal. */
static int match(const struct ike_suite_policy *sp, uint8_t proto, const struct ike_proposal *p,
		 uint16_t ke_group, struct ike_crypto_suite *ret)
{
	struct ike_crypto_suite s = {.encr = sp->encr, .encr_key_bits = sp->encr_keylen};

	if (p->proto != proto || !offers(p, IKE_TRANSFORM_ENCR, sp->encr, sp->encr_keylen))
		return -ENOENT;
	if (pick(p, IKE_TRANSFORM_INTEG, sp->integ, sp->n_integ, &s.integ) < 0)
		return -ENOENT;
	if (proto == IKE_PROTO_ESP) {
		/* ESN 0 only; no PFS (PROTOCOL.md §3) */
		if (has_type(p, IKE_TRANSFORM_ESN) &&
		    !offers(p, IKE_TRANSFORM_ESN, IKE_ESN_NONE, 0))
			return -ENOENT;
		*ret = s;
		return 0;
	}
	if (pick(p, IKE_TRANSFORM_PRF, sp->prf, sp->n_prf, &s.prf) < 0 ||
	    pick(p, IKE_TRANSFORM_DH, sp->dh, sp->n_dh, &s.dh) < 0)
		return -ENOENT;
	/* keep the initiator's KEi group if both accept it (PROTOCOL.md §3) */
	for (uint8_t i = 0; i < sp->n_dh; i++)
		if (sp->dh[i] == ke_group && offers(p, IKE_TRANSFORM_DH, ke_group, 0))
			s.dh = ke_group;
	*ret = s;
	return 0;
}

int ike_policy_select(const struct ike_policy *pol, uint8_t proto, const struct ike_sa_pld *offered,
		      uint16_t ke_group, struct ike_crypto_suite *ret,
		      const struct ike_proposal **ret_p)
{
	const struct ike_suite_policy *sp = proto == IKE_PROTO_IKE ? pol->ike : pol->esp;
	uint8_t n = proto == IKE_PROTO_IKE ? pol->n_ike : pol->n_esp;

	for (uint8_t i = 0; i < n; i++)
		for (uint8_t j = 0; j < offered->n; j++) {
			struct ike_crypto_suite s;

			if (match(&sp[i], proto, &offered->p[j], ke_group, &s) < 0)
				continue;
			*ret = s;
			*ret_p = &offered->p[j];
			return proto == IKE_PROTO_IKE && s.dh != ke_group ? -EAGAIN : 0;
		}
	return -ENOENT;
}

static bool in_list(uint16_t id, const uint16_t *ids, uint8_t n)
{
	for (uint8_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* The responder must answer with exactly one of each type, all from one of our suites. */
int ike_policy_accept(const struct ike_policy *pol, uint8_t proto, const struct ike_sa_pld *chosen,
		      struct ike_crypto_suite *ret, const struct ike_proposal **ret_p)
{
	const struct ike_suite_policy *sp = proto == IKE_PROTO_IKE ? pol->ike : pol->esp;
	uint8_t n = proto == IKE_PROTO_IKE ? pol->n_ike : pol->n_esp;
	const struct ike_proposal *p;
	struct ike_crypto_suite s = {0};

	if (chosen->n != 1 || chosen->p[0].proto != proto)
		return -EPROTO;
	p = &chosen->p[0];
	for (uint8_t i = 0; i < p->n_transforms; i++) {
		const struct ike_transform *t = &p->t[i];

		if (t->type == IKE_TRANSFORM_ENCR)
			s.encr = t->id, s.encr_key_bits = t->keylen;
		else if (t->type == IKE_TRANSFORM_PRF)
			s.prf = t->id;
		else if (t->type == IKE_TRANSFORM_INTEG)
			s.integ = t->id;
		else if (t->type == IKE_TRANSFORM_DH)
			s.dh = t->id;
		else if (t->type == IKE_TRANSFORM_ESN && t->id != IKE_ESN_NONE)
			return -EPROTO;
	}
	for (uint8_t i = 0; i < n; i++) {
		if (sp[i].encr != s.encr || sp[i].encr_keylen != s.encr_key_bits)
			continue;
		if ((s.integ || sp[i].n_integ) && !in_list(s.integ, sp[i].integ, sp[i].n_integ))
			continue;
		if (proto == IKE_PROTO_IKE && (!in_list(s.prf, sp[i].prf, sp[i].n_prf) ||
					       !in_list(s.dh, sp[i].dh, sp[i].n_dh)))
			continue;
		*ret = s;
		*ret_p = p;
		return 0;
	}
	return -EPROTO;
}

void ike_policy_answer(const struct ike_crypto_suite *s, uint8_t proto, uint8_t num,
		       const uint8_t *spi, uint8_t spi_size, struct ike_proposal *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->num = num;
	ret->proto = proto;
	ret->spi_size = spi_size;
	if (spi_size)
		memcpy(ret->spi, spi, spi_size);
	add_t(ret, IKE_TRANSFORM_ENCR, s->encr, s->encr_key_bits);
	if (proto == IKE_PROTO_IKE)
		add_t(ret, IKE_TRANSFORM_PRF, s->prf, 0);
	if (s->integ)
		add_t(ret, IKE_TRANSFORM_INTEG, s->integ, 0);
	if (proto == IKE_PROTO_IKE)
		add_t(ret, IKE_TRANSFORM_DH, s->dh, 0);
	else
		add_t(ret, IKE_TRANSFORM_ESN, IKE_ESN_NONE, 0);
}
