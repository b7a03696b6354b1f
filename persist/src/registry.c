/* registry.c - the model registry: named, versioned model files in LMDB. */
#include "persist_int.h"

#include <stdlib.h>
#include <time.h>

#define KEY_MAX (PERSIST_MODEL_NAME_MAX + 1 + 4)

static uint64_t fnv1a(const void *data, size_t len)
{
	return core_fnv1a(CORE_FNV_OFFSET, data, len);
}

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > PERSIST_MODEL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* key: name, NUL, version big-endian; returns its length */
static size_t make_key(unsigned char *k, const char *name, uint32_t version)
{
	size_t n = strlen(name);
	memcpy(k, name, n);
	k[n] = 0;
	k[n + 1] = (unsigned char)(version >> 24);
	k[n + 2] = (unsigned char)(version >> 16);
	k[n + 3] = (unsigned char)(version >> 8);
	k[n + 4] = (unsigned char)version;
	return n + 5;
}

/* Split a stored record; -EIO if it cannot be one of ours. */
static int parse_rec(const MDB_val *v, struct persist_model_meta *meta, const void **blob)
{
	if (v->mv_size < sizeof(*meta))
		return -EIO;
	memcpy(meta, v->mv_data, sizeof(*meta));
	if (meta->blob_len != v->mv_size - sizeof(*meta) ||
	    memchr(meta->name, 0, sizeof(meta->name)) == NULL)
		return -EIO;
	if (blob)
		*blob = (const unsigned char *)v->mv_data + sizeof(*meta);
	return 0;
}

/* The highest version of name in txn (0: none). */
static int latest_version(struct persist *p, MDB_txn *txn, const char *name, uint32_t *ret)
{
	unsigned char k[KEY_MAX];
	size_t kl = make_key(k, name, UINT32_MAX);
	MDB_cursor *cur;
	int r = persist_errno(mdb_cursor_open(txn, p->dbi[PERSIST_DBI_MODELS], &cur));
	if (r)
		return r;
	MDB_val key = { kl, k }, val;
	/* first key >= name@UINT32_MAX, then step back once: the last of name, if any */
	int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (rc == 0 && key.mv_size == kl && memcmp(key.mv_data, k, kl) == 0) {
		*ret = UINT32_MAX; /* the impossible last version exists: treat as full */
		mdb_cursor_close(cur);
		return -ENOSPC;
	}
	rc = rc == 0 ? mdb_cursor_get(cur, &key, &val, MDB_PREV)
		     : mdb_cursor_get(cur, &key, &val, MDB_LAST);
	*ret = 0;
	size_t n = strlen(name);
	if (rc == 0 && key.mv_size == n + 5 && memcmp(key.mv_data, name, n + 1) == 0) {
		const unsigned char *b = (const unsigned char *)key.mv_data + n + 1;
		*ret = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	} else if (rc && rc != MDB_NOTFOUND) {
		r = persist_errno(rc);
	}
	mdb_cursor_close(cur);
	return r;
}

int persist_model_put(struct persist *p, struct persist_model_meta *meta, const void *blob,
		      size_t len)
{
	if (!p || !meta || (!blob && len) || !name_ok(meta->name) ||
	    !memchr(meta->kind, 0, sizeof(meta->kind)) ||
	    !memchr(meta->source, 0, sizeof(meta->source)) ||
	    !memchr(meta->metrics, 0, sizeof(meta->metrics)))
		return -EINVAL;
	MDB_txn *txn;
	int r = persist_errno(persist__txn_begin(p, 0, &txn));
	if (r)
		return r;
	uint32_t last;
	r = latest_version(p, txn, meta->name, &last);
	if (r)
		goto fail;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	meta->version = last + 1;
	meta->active = 0;
	meta->created_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	meta->blob_len = len;
	meta->blob_hash = fnv1a(blob, len);
	unsigned char k[KEY_MAX];
	MDB_val key = { make_key(k, meta->name, meta->version), k };
	MDB_val val = { sizeof(*meta) + len, NULL };
	r = persist_errno(mdb_put(txn, p->dbi[PERSIST_DBI_MODELS], &key, &val, MDB_RESERVE));
	if (r)
		goto fail;
	memcpy(val.mv_data, meta, sizeof(*meta));
	if (len)
		memcpy((unsigned char *)val.mv_data + sizeof(*meta), blob, len);
	return persist_errno(persist__txn_commit(p, txn));
fail:
	persist__txn_abort(p, txn);
	return r;
}

struct listing {
	struct persist_model_meta *out;
	unsigned cap, n;
};

static int list_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	(void)k;
	struct listing *l = arg;
	if (l->n == l->cap)
		return -ENOSPC;
	int r = parse_rec(v, &l->out[l->n], NULL);
	if (r == 0)
		l->n++;
	return r;
}

int persist_model_list(struct persist *p, struct persist_model_meta *out, unsigned cap,
		       unsigned *ret_n)
{
	if (!p || (!out && cap) || !ret_n)
		return -EINVAL;
	struct listing l = { .out = out, .cap = cap };
	int r = persist__scan(p, PERSIST_DBI_MODELS, list_one, &l);
	if (r == 0)
		*ret_n = l.n;
	return r;
}

/* Copy a record out, checking the blob against its hash. */
static int copy_out(const MDB_val *val, struct persist_model_meta *ret_meta, void **ret_blob)
{
	struct persist_model_meta m;
	const void *blob;
	int r = parse_rec(val, &m, &blob);
	if (r)
		return r;
	if (fnv1a(blob, m.blob_len) != m.blob_hash)
		return -EIO;
	void *copy = malloc(m.blob_len ? m.blob_len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, blob, m.blob_len);
	*ret_meta = m;
	*ret_blob = copy;
	return 0;
}

int persist_model_get(struct persist *p, const char *name, uint32_t version,
		      struct persist_model_meta *ret_meta, void **ret_blob)
{
	if (!p || !name_ok(name) || !ret_meta || !ret_blob)
		return -EINVAL;
	MDB_txn *txn;
	int r = persist_errno(persist__txn_begin(p, MDB_RDONLY, &txn));
	if (r)
		return r;
	if (version == 0) {
		r = latest_version(p, txn, name, &version);
		if (!r && version == 0)
			r = -ENOENT;
	}
	if (!r) {
		unsigned char k[KEY_MAX];
		MDB_val key = { make_key(k, name, version), k }, val;
		r = persist_errno(mdb_get(txn, p->dbi[PERSIST_DBI_MODELS], &key, &val));
		if (!r)
			r = copy_out(&val, ret_meta, ret_blob);
	}
	persist__txn_abort(p, txn);
	return r;
}

int persist_model_activate(struct persist *p, const char *name, uint32_t version)
{
	if (!p || !name_ok(name) || version == 0)
		return -EINVAL;
	MDB_txn *txn;
	int r = persist_errno(persist__txn_begin(p, 0, &txn));
	if (r)
		return r;
	unsigned char k[KEY_MAX];
	size_t kl = make_key(k, name, version);
	MDB_val key = { kl, k }, val;
	r = persist_errno(mdb_get(txn, p->dbi[PERSIST_DBI_MODELS], &key, &val));
	if (r)
		goto fail;
	MDB_cursor *cur;
	r = persist_errno(mdb_cursor_open(txn, p->dbi[PERSIST_DBI_MODELS], &cur));
	if (r)
		goto fail;
	int rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		struct persist_model_meta m;
		if ((r = parse_rec(&val, &m, NULL)))
			break;
		uint32_t want = key.mv_size == kl && memcmp(key.mv_data, k, kl) == 0;
		if (m.active == want)
			continue;
		/* rewrite the record in place with the flag changed */
		void *copy = malloc(val.mv_size);
		if (!copy) {
			r = -ENOMEM;
			break;
		}
		memcpy(copy, val.mv_data, val.mv_size);
		((struct persist_model_meta *)copy)->active = want;
		MDB_val nv = { val.mv_size, copy };
		r = persist_errno(mdb_cursor_put(cur, &key, &nv, MDB_CURRENT));
		free(copy);
		if (r)
			break;
	}
	if (!r && rc != 0 && rc != MDB_NOTFOUND)
		r = persist_errno(rc);
	mdb_cursor_close(cur);
	if (r)
		goto fail;
	return persist_errno(persist__txn_commit(p, txn));
fail:
	persist__txn_abort(p, txn);
	return r;
}

struct active {
	struct persist_model_meta *meta;
	void **blob;
};

static int active_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	(void)k;
	struct active *a = arg;
	struct persist_model_meta m;
	int r = parse_rec(v, &m, NULL);
	if (r < 0)
		return r;
	if (!m.active)
		return 0;
	r = copy_out(v, a->meta, a->blob);
	return r < 0 ? r : 1;
}

int persist_model_active(struct persist *p, struct persist_model_meta *ret_meta, void **ret_blob)
{
	if (!p || !ret_meta || !ret_blob)
		return -EINVAL;
	*ret_blob = NULL;
	struct active a = { .meta = ret_meta, .blob = ret_blob };
	int r = persist__scan(p, PERSIST_DBI_MODELS, active_one, &a);
	if (r == 0 && !*ret_blob)
		r = -ENOENT;
	return r;
}
