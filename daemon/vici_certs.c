// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VICI credential commands, so that `swanctl --load-creds` and `swanctl --list-certs` work
 * against oakleyd: load-cert (X.509 certificates and CRLs), load-key (RSA and ECDSA private keys),
 * list-certs (one list-cert event per certificate), and get-keys/get-shared, which swanctl asks
 * before it unloads credentials it no longer has (oakleyd lists none: nothing is unloaded).
 *
 * Credentials loaded here join the certificate store of the running daemon and stay until the
 * next reload rebuilds the store from ipsec.d/.
 * A key's bytes are wiped as soon as the store has parsed them.
 */
#include "daemon/vici_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/certs.h"
#include "daemon/log.h"

/* The store of the daemon (daemon/loader.c makes it with the config), or NULL with the error
 * replied. */
static struct dmn_certs *store(const struct dmn_vici_req *rq)
{
	if (!rq->d->certs)
		dmn_vici_reply_status(rq->c, false, "no certificate store");
	return rq->d->certs;
}

static bool value_is(const struct vici_node *n, const char *s)
{
	return n && n->type == VICI_KEY_VALUE && n->value_len == strlen(s) &&
	       strncasecmp((const char *)n->value, s, n->value_len) == 0;
}

static const struct vici_node *data_of(const struct dmn_vici_req *rq)
{
	const struct vici_node *data = vici_node_get(rq->msg, "data");
	if (!data || data->type != VICI_KEY_VALUE || data->value_len == 0) {
		dmn_vici_reply_status(rq->c, false, "data: missing");
		return NULL;
	}
	return data;
}

/* load-cert { type = X509|X509_CRL, flag = CA|NONE|..., data = DER or PEM } */
void dmn_vici_cmd_load_cert(const struct dmn_vici_req *rq)
{
	const struct vici_node *type = vici_node_get(rq->msg, "type");
	const struct vici_node *data = data_of(rq);
	struct dmn_certs *s = data ? store(rq) : NULL;
	if (!s)
		return;
	struct dmn_cert_status st = {0};
	int r;
	if (value_is(type, "X509_CRL")) {
		r = dmn_certs_load_crl_mem(s, data->value, data->value_len, "(vici)", &st);
	} else if (!type || value_is(type, "X509")) {
		bool ca = value_is(vici_node_get(rq->msg, "flag"), "CA");
		r = dmn_certs_load_cert_mem(s, data->value, data->value_len, ca, "(vici)", NULL,
					    &st);
	} else {
		dmn_vici_reply_status(rq->c, false, "type: only X509 and X509_CRL are supported");
		return;
	}
	if (r < 0) {
		dmn_vici_reply_status(rq->c, false, st.text[0] ? st.text : strerror(-r));
		return;
	}
	log_notice("vici: loaded a %s", value_is(type, "X509_CRL") ? "CRL" : "certificate");
	dmn_vici_reply_status(rq->c, true, "");
}

/* load-key { type = rsa|ecdsa|any, data = DER or PEM } */
void dmn_vici_cmd_load_key(const struct dmn_vici_req *rq)
{
	const struct vici_node *type = vici_node_get(rq->msg, "type");
	const struct vici_node *data = data_of(rq);
	if (!data)
		return;
	if (type && !value_is(type, "rsa") && !value_is(type, "ecdsa") && !value_is(type, "any")) {
		dmn_vici_reply_status(rq->c, false, "type: only rsa, ecdsa and any keys");
		return;
	}
	struct dmn_certs *s = store(rq);
	if (!s)
		return;
	struct dmn_cert_status st = {0};
	int r = dmn_certs_load_key_mem(s, data->value, data->value_len, NULL, "(vici)", &st);
	/* the request (and this key) is wiped by the server after the reply, see vici_srv.c */
	if (r < 0) {
		dmn_vici_reply_status(rq->c, false, st.text[0] ? st.text : strerror(-r));
		return;
	}
	log_notice("vici: loaded a private key");
	dmn_vici_reply_status(rq->c, true, "");
}

/* get-keys, get-shared: { keys = [] }: nothing loaded over VICI is to be unloaded by id. */
void dmn_vici_cmd_get_keys(const struct dmn_vici_req *rq)
{
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_CMD_RESPONSE, NULL);
	vici_begin_list(&b, "keys");
	vici_end_list(&b);
	dmn_vici_send(rq->c, &b);
}

struct list_ctx {
	const struct dmn_vici_req *rq;
	bool text;    /* oakley's own client: readable fields, no DER */
	bool ca_only; /* flag = CA */
};

static void add_time(struct vici_builder *b, const char *key, time_t t)
{
	struct tm tm;
	char buf[32];
	if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
		vici_add_kv_str(b, key, buf);
}

static int send_cert(const struct dmn_cert_info *i, void *arg)
{
	struct list_ctx *l = arg;
	if (l->ca_only && !i->ca)
		return 0;
	struct vici_builder b;
	vici_builder_init_packet(&b, VICI_EVENT, "list-cert");
	vici_add_kv_str(&b, "type", "X509");
	vici_add_kv_str(&b, "flag",
			i->ca				   ? "CA"
			: i->dir == DMN_CERT_DIR_OCSPCERTS ? "OCSP"
							   : "NONE");
	vici_add_kv_str(&b, "has_privkey", i->has_key ? "yes" : "no");
	if (l->text) {
		vici_add_kv_str(&b, "subject", i->subject);
		vici_add_kv_str(&b, "issuer", i->issuer);
		if (i->altnames[0])
			vici_add_kv_str(&b, "altnames", i->altnames);
		vici_add_kv_str(&b, "serial", i->serial);
		vici_add_kv_str(&b, "key", i->key);
		add_time(&b, "not-before", i->not_before);
		add_time(&b, "not-after", i->not_after);
		vici_add_kv_str(&b, "file", i->file ? i->file : "");
		vici_add_kv_str(&b, "dir", dmn_cert_dir_name(i->dir));
	} else if (i->cert) {
		const uint8_t *der;
		size_t len;
		dmn_cert_der(i->cert, &der, &len);
		vici_add_kv(&b, "data", der, len);
	}
	dmn_vici_send_event(l->rq->c, DMN_VICI_EV_LIST_CERT, &b);
	return l->rq->c->dead ? 1 : 0;
}

/* list-certs { type = X509|ANY, flag = CA|ANY..., oakley-text = yes }: one list-cert event per
 * certificate, then an empty reply. swanctl gets the DER (data) and prints it its own way;
 * oakley's client asks for the readable fields instead. */
void dmn_vici_cmd_list_certs(const struct dmn_vici_req *rq)
{
	const struct vici_node *type = vici_node_get(rq->msg, "type");
	struct list_ctx l = {
		.rq = rq,
		.text = value_is(vici_node_get(rq->msg, "oakley-text"), "yes"),
		.ca_only = value_is(vici_node_get(rq->msg, "flag"), "CA"),
	};
	if (rq->d->certs && (!type || value_is(type, "X509") || value_is(type, "ANY")))
		dmn_certs_foreach(rq->d->certs, send_cert, &l);
	dmn_vici_reply_empty(rq->c);
}
