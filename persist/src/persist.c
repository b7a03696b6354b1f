/* persist.c - the LMDB store: open, recovery, meta. */
#include <stdio.h>
#include <sys/stat.h>

#include "persist_int.h"

int persist_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
		return -E2BIG;
	case MDB_DBS_FULL:
		return -EMFILE;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_PANIC:
		return -EIO;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return -EPROTO;
	case MDB_TLS_FULL:
		return -ENOMEM;
	default:
		if (rc > 0)
			return -rc;
		return -EINVAL;
	}
}

void persist__err(char *err, size_t errlen, const char *path, const char *what, int rc)
{
	if (err && errlen)
		snprintf(err, errlen, "persist: %s in %s: %s", what, path ? path : "?",
			 mdb_strerror(rc));
}

static const char *const dbi_names[PERSIST_NDBI] = { "orders", "reports", "positions", "meta",
							      "models" };

int persist_open(const char *path, struct persist **ret, char *err, size_t errlen)
{
	return persist_open_opts(path, NULL, ret, err, errlen);
}

/* The pages the meta page says are in use must be in the file: a truncated
 * data.mdb would fault (SIGBUS) at the first read of a missing page. EIO
 * with the sizes in err, else 0. */
static int check_size(MDB_env *env, const char *path, char *err, size_t errlen)
{
	MDB_envinfo info;
	MDB_stat st;
	mdb_filehandle_t fd;
	struct stat fs;
	if (mdb_env_info(env, &info) || mdb_env_stat(env, &st) || mdb_env_get_fd(env, &fd) ||
	    fstat(fd, &fs) < 0)
		return 0; /* nothing to compare with: LMDB reports what it finds */
	uint64_t need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	if ((uint64_t)fs.st_size >= need)
		return 0;
	if (err && errlen)
		snprintf(err, errlen,
			 "persist: %s/data.mdb is truncated: %lld bytes, its last page (%zu) needs "
			 "%llu; restore it from a copy (refusing to open it)",
			 path, (long long)fs.st_size, info.me_last_pgno, (unsigned long long)need);
	return MDB_CORRUPTED;
}

/* Every order and position record must match its seal (the journal is
 * checked as it is read): a record changed on disk is refused, named. */
struct verify_state {
	size_t size;
	uint64_t bad_key; /* the record that failed */
	bool failed;
};

static int verify_record(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct verify_state *vs = arg;
	unsigned char scratch[sizeof(struct persist_order)];
	if (persist__unseal(k, v, scratch, vs->size) == 0)
		return 0;
	vs->failed = true;
	vs->bad_key = k->mv_size == 8 ? core_be64(k->mv_data)
	              : k->mv_size == 2 ? core_be16(k->mv_data) : 0;
	return -EIO;
}

static int verify(struct persist *p, char *err, size_t errlen)
{
	static const struct {
		int dbi;
		size_t size;
		const char *what;
	} dbs[] = { { PERSIST_DBI_ORDERS, sizeof(struct persist_order), "order" },
		    { PERSIST_DBI_POSITIONS, sizeof(struct position), "position of locate" } };
	static_assert(sizeof(struct position) <= sizeof(struct persist_order), "scratch size");
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		struct verify_state vs = { .size = dbs[i].size };
		int r = persist__scan(p, dbs[i].dbi, verify_record, &vs);
		if (r < 0) {
			if (err && errlen && vs.failed)
				snprintf(err, errlen,
				         "persist: %s: the stored %s %llu fails its checksum (changed on "
				         "disk); refusing to open it",
				         p->path, dbs[i].what, (unsigned long long)vs.bad_key);
			else if (err && errlen)
				snprintf(err, errlen, "persist: %s: cannot check its records (%s)", p->path,
				         strerror(-r));
			return r;
		}
	}
	return 0;
}

int persist_open_opts(const char *path, const struct persist_options *opt, struct persist **ret,
		      char *err, size_t errlen)
{
	struct persist_options o = { 0 };
	if (opt)
		o = *opt;
	if (!path || !*path || !ret || o.sync > PERSIST_SYNC_NONE) {
		if (err && errlen)
			snprintf(err, errlen, "persist: %s", !path || !*path ? "empty path"
							 : !ret		      ? "ret is NULL"
									      : "sync: unknown value");
		return -EINVAL;
	}
	if (!o.mapsize)
		o.mapsize = 1ULL << 30;
	if (o.mapsize_max < o.mapsize)
		o.mapsize_max = o.mapsize;
	if (strlen(path) >= sizeof(((struct persist *)0)->path)) {
		if (err && errlen)
			snprintf(err, errlen, "persist: path too long (%zu bytes)", strlen(path));
		return -ENAMETOOLONG;
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		int e = errno;
		if (err && errlen)
			snprintf(err, errlen, "persist: mkdir %s: %s", path, strerror(e));
		return -e;
	}

	int r;
	struct persist *p = core_alloc(sizeof(*p), CORE_CACHE_LINE);
	if (!p) {
		if (err && errlen)
			snprintf(err, errlen, "persist: out of memory");
		return -ENOMEM;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	pthread_rwlock_init(&p->grow, NULL);
	atomic_init(&p->mapsize, o.mapsize);
	p->mapsize_max = o.mapsize_max;
	int rc = mdb_env_create(&p->env);
	if (rc) {
		persist__err(err, errlen, path, "mdb_env_create", rc);
		goto fail_free;
	}
	rc = mdb_env_set_maxdbs(p->env, PERSIST_NDBI);
	if (!rc)
		rc = mdb_env_set_mapsize(p->env, (size_t)o.mapsize);
	if (rc) {
		persist__err(err, errlen, path, "mdb_env_set_mapsize", rc);
		goto fail_env;
	}
	unsigned flags = MDB_NOTLS;
	if (o.sync == PERSIST_SYNC_DATA)
		flags |= MDB_NOMETASYNC;
	else if (o.sync == PERSIST_SYNC_NONE)
		flags |= MDB_NOSYNC;
	rc = mdb_env_open(p->env, path, flags, 0644);
	if (rc) {
		persist__err(err, errlen, path, "mdb_env_open", rc);
		goto fail_env;
	}
	if ((rc = check_size(p->env, path, err, errlen)) != 0)
		goto fail_env;
	MDB_txn *txn;
	rc = persist__txn_begin(p, 0, &txn);
	if (rc) {
		persist__err(err, errlen, path, "mdb_txn_begin(open)", rc);
		goto fail_env;
	}
	for (int i = 0; i < PERSIST_NDBI; i++) {
		rc = mdb_dbi_open(txn, dbi_names[i], MDB_CREATE, &p->dbi[i]);
		if (rc) {
			char what[64];
			snprintf(what, sizeof(what), "mdb_dbi_open(%s)", dbi_names[i]);
			persist__err(err, errlen, path, what, rc);
			goto fail_txn;
		}
	}
	/* the journal continues after its last key */
	MDB_cursor *cur;
	rc = mdb_cursor_open(txn, p->dbi[PERSIST_DBI_REPORTS], &cur);
	if (rc) {
		persist__err(err, errlen, path, "mdb_cursor_open(reports)", rc);
		goto fail_txn;
	}
	MDB_val k, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == 0 && k.mv_size == 8)
		p->journal_next = core_be64(k.mv_data) + 1;
	else if (rc == 0 || rc == MDB_NOTFOUND)
		p->journal_next = 1;
	else {
		persist__err(err, errlen, path, "mdb_cursor_get(reports, last)", rc);
		goto fail_txn;
	}
	rc = persist__txn_commit(p, txn);
	if (rc) {
		persist__err(err, errlen, path, "mdb_txn_commit(open)", rc);
		goto fail_env;
	}
	if ((r = verify(p, err, errlen)) < 0) {
		mdb_env_close(p->env);
		pthread_rwlock_destroy(&p->grow);
		core_free(p);
		return r;
	}
	*ret = p;
	return 0;

fail_txn:
	persist__txn_abort(p, txn);
fail_env:
	mdb_env_close(p->env);
fail_free:
	r = persist_errno(rc);
	pthread_rwlock_destroy(&p->grow);
	core_free(p);
	return r;
}

struct persist *persist_close(struct persist *p)
{
	if (!p)
		return NULL;
	mdb_env_close(p->env);
	pthread_rwlock_destroy(&p->grow);
	core_free(p);
	return NULL;
}

int persist__grow(struct persist *p)
{
	pthread_rwlock_wrlock(&p->grow); /* every other transaction has ended */
	uint64_t cur = atomic_load_explicit(&p->mapsize, memory_order_relaxed);
	int rc = MDB_MAP_FULL;
	if (cur < p->mapsize_max) {
		uint64_t next = cur * 2 < p->mapsize_max ? cur * 2 : p->mapsize_max;
		rc = mdb_env_set_mapsize(p->env, (size_t)next);
		if (!rc)
			atomic_store_explicit(&p->mapsize, next, memory_order_relaxed);
	}
	pthread_rwlock_unlock(&p->grow);
	return rc;
}

uint64_t persist_mapsize(const struct persist *p)
{
	return atomic_load_explicit(&p->mapsize, memory_order_relaxed);
}

/* ------------------------------------------------------------------------- */
/* Reads. */

static int txn_read(struct persist *p, MDB_txn **txn)
{
	return persist_errno(persist__txn_begin(p, MDB_RDONLY, txn));
}

int persist__scan(struct persist *p, int dbi,
		  int (*fn)(void *arg, const MDB_val *k, const MDB_val *v), void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	r = persist_errno(mdb_cursor_open(txn, p->dbi[dbi], &cur));
	if (r)
		goto out_txn;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		r = fn(arg, &k, &v);
		if (r)
			break;
	}
	if (r > 0)
		r = 0;
	else if (r == 0 && rc != MDB_NOTFOUND)
		r = persist_errno(rc);
	mdb_cursor_close(cur);
out_txn:
	persist__txn_abort(p, txn);
	return r;
}

struct collect {
	void *out;
	unsigned cap, n;
};

static int collect_position(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct collect *c = arg;
	struct position *out = c->out;
	struct position pos;
	if (k->mv_size != 2 || persist__unseal(k, v, &pos, sizeof(pos)) != 0)
		return -EIO;
	if (c->n == c->cap)
		return -ENOSPC;
	out[c->n] = pos;
	out[c->n++].locate = core_be16(k->mv_data);
	return 0;
}

int persist_load_positions(struct persist *p, struct position *out, unsigned cap,
			   unsigned *ret_n)
{
	struct collect c = { .out = out, .cap = cap };
	int r = persist__scan(p, PERSIST_DBI_POSITIONS, collect_position, &c);
	if (r == 0)
		*ret_n = c.n;
	return r;
}

static bool order_open(const struct persist_order *o)
{
	return o->status == 0 || o->status == EXEC_ACK ||
	       (o->status == EXEC_FILL && o->leaves_qty > 0);
}

static int collect_open_order(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct collect *c = arg;
	struct persist_order o, *out = c->out;
	if (persist__unseal(k, v, &o, sizeof(o)) != 0)
		return -EIO;
	if (!order_open(&o))
		return 0;
	if (c->n == c->cap)
		return -ENOSPC;
	out[c->n++] = o;
	return 0;
}

int persist_load_open_orders(struct persist *p, struct persist_order *out, unsigned cap,
			     unsigned *ret_n)
{
	struct collect c = { .out = out, .cap = cap };
	int r = persist__scan(p, PERSIST_DBI_ORDERS, collect_open_order, &c);
	if (r == 0)
		*ret_n = c.n;
	return r;
}

int persist_get_order(struct persist *p, uint64_t order_id, struct persist_order *ret)
{
	MDB_txn *txn;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	unsigned char kb[8];
	core_put_be64(kb, order_id);
	MDB_val k = { 8, kb }, v;
	r = persist_errno(mdb_get(txn, p->dbi[PERSIST_DBI_ORDERS], &k, &v));
	if (!r && persist__unseal(&k, &v, ret, sizeof(*ret)) != 0)
		r = -EIO;
	persist__txn_abort(p, txn);
	return r;
}

static int meta_get_txn(struct persist *p, MDB_txn *txn, const char *key, MDB_val *v)
{
	size_t kl = strlen(key);
	if (kl == 0 || kl > PERSIST_META_KEY_MAX)
		return -EINVAL;
	MDB_val k = persist__in(key, kl);
	return persist_errno(mdb_get(txn, p->dbi[PERSIST_DBI_META], &k, v));
}

static int meta_u64_txn(struct persist *p, MDB_txn *txn, const char *key, uint64_t *ret)
{
	MDB_val v;
	int r = meta_get_txn(p, txn, key, &v);
	if (r)
		return r;
	if (v.mv_size != 8)
		return -EPROTO;
	*ret = core_be64(v.mv_data);
	return 0;
}

int persist_next_order_id(struct persist *p, uint64_t *ret)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	r = persist_errno(mdb_cursor_open(txn, p->dbi[PERSIST_DBI_ORDERS], &cur));
	if (r)
		goto out_txn;
	uint64_t next = 1;
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == 0 && k.mv_size == 8)
		next = core_be64(k.mv_data) + 1;
	else if (rc != 0 && rc != MDB_NOTFOUND) {
		r = persist_errno(rc);
		goto out_txn;
	}
	uint64_t meta;
	r = meta_u64_txn(p, txn, PERSIST_META_NEXT_ORDER_ID, &meta);
	if (r == 0 && meta > next)
		next = meta;
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		*ret = next;
out_txn:
	persist__txn_abort(p, txn);
	return r;
}

int persist_journal_count(struct persist *p, uint64_t *ret_count, uint64_t *ret_next)
{
	MDB_txn *txn;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	MDB_stat ms;
	r = persist_errno(mdb_stat(txn, p->dbi[PERSIST_DBI_REPORTS], &ms));
	if (r == 0) {
		*ret_count = ms.ms_entries;
		if (ret_next) {
			MDB_cursor *cur;
			MDB_val k, v;
			uint64_t next = 1;
			r = persist_errno(mdb_cursor_open(txn, p->dbi[PERSIST_DBI_REPORTS], &cur));
			if (r == 0) {
				if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
					next = core_be64(k.mv_data) + 1;
				mdb_cursor_close(cur);
				*ret_next = next;
			}
		}
	}
	persist__txn_abort(p, txn);
	return r;
}

int persist_journal_read(struct persist *p, uint64_t from, struct persist_rec *out, unsigned cap,
			 unsigned *ret_n, uint64_t *ret_next)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	r = persist_errno(mdb_cursor_open(txn, p->dbi[PERSIST_DBI_REPORTS], &cur));
	if (r)
		goto out_txn;
	unsigned char kb[8];
	core_put_be64(kb, from);
	MDB_val k = { 8, kb }, v;
	unsigned n = 0;
	uint64_t next = from;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < cap;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || persist__unseal(&k, &v, &out[n], sizeof(out[n])) != 0) {
			r = -EIO;
			goto out_cursor;
		}
		n++;
		next = core_be64(k.mv_data) + 1;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		r = persist_errno(rc);
		goto out_cursor;
	}
	*ret_n = n;
	if (ret_next)
		*ret_next = next;
out_cursor:
	mdb_cursor_close(cur);
out_txn:
	persist__txn_abort(p, txn);
	return r;
}

/* ------------------------------------------------------------------------- */
/* Meta. */

int persist_set_meta_blob(struct persist *p, const char *key, const void *val, size_t len)
{
	size_t kl = key ? strlen(key) : 0;
	if (kl == 0 || kl > PERSIST_META_KEY_MAX || len > PERSIST_META_VAL_MAX || (len && !val))
		return -EINVAL;
	MDB_txn *txn;
	int r = persist_errno(persist__txn_begin(p, 0, &txn));
	if (r)
		return r;
	MDB_val k = persist__in(key, kl);
	MDB_val v = persist__in(val, len);
	r = persist_errno(mdb_put(txn, p->dbi[PERSIST_DBI_META], &k, &v, 0));
	if (r) {
		persist__txn_abort(p, txn);
		return r;
	}
	return persist_errno(persist__txn_commit(p, txn));
}

int persist_get_meta_blob(struct persist *p, const char *key, void *buf, size_t cap,
			  size_t *ret_len)
{
	if (!key)
		return -EINVAL;
	MDB_txn *txn;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	MDB_val v;
	r = meta_get_txn(p, txn, key, &v);
	if (r == 0) {
		*ret_len = v.mv_size;
		if (v.mv_size > cap)
			r = -EMSGSIZE;
		else if (v.mv_size)
			memcpy(buf, v.mv_data, v.mv_size);
	}
	persist__txn_abort(p, txn);
	return r;
}

int persist_set_meta(struct persist *p, const char *key, uint64_t v)
{
	unsigned char b[8];
	core_put_be64(b, v);
	return persist_set_meta_blob(p, key, b, 8);
}

int persist_get_meta(struct persist *p, const char *key, uint64_t *ret)
{
	if (!key)
		return -EINVAL;
	MDB_txn *txn;
	int r = txn_read(p, &txn);
	if (r)
		return r;
	r = meta_u64_txn(p, txn, key, ret);
	persist__txn_abort(p, txn);
	return r;
}

int persist_run_begin(struct persist *p, uint64_t *ret_run)
{
	MDB_txn *txn;
	int r = persist_errno(persist__txn_begin(p, 0, &txn));
	if (r)
		return r;
	uint64_t run = 0;
	r = meta_u64_txn(p, txn, PERSIST_META_RUN, &run);
	if (r && r != -ENOENT)
		goto out_abort;
	run++;
	unsigned char b[8];
	core_put_be64(b, run);
	MDB_val k = persist__in(PERSIST_META_RUN, strlen(PERSIST_META_RUN));
	MDB_val v = { 8, b };
	r = persist_errno(mdb_put(txn, p->dbi[PERSIST_DBI_META], &k, &v, 0));
	if (r)
		goto out_abort;
	r = persist_errno(persist__txn_commit(p, txn));
	if (r == 0)
		*ret_run = run;
	return r;
out_abort:
	persist__txn_abort(p, txn);
	return r;
}
