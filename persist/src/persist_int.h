/* persist_int.h - private to persist/. */
#ifndef OSPREY_PERSIST_INT_H
#define OSPREY_PERSIST_INT_H

#include <lmdb.h>
#include <pthread.h>

#include "persist.h"

enum {
	PERSIST_DBI_ORDERS = 0,
	PERSIST_DBI_REPORTS = 1,
	PERSIST_DBI_POSITIONS = 2,
	PERSIST_DBI_META = 3,
	PERSIST_DBI_MODELS = 4,
	PERSIST_NDBI = 5,
};

#define PERSIST_META_KEY_MAX 64
#define PERSIST_META_VAL_MAX 4096

struct persist {
	MDB_env *env;
	MDB_dbi dbi[PERSIST_NDBI];
	uint64_t journal_next; /* next journal key; owned by the writer once it runs */
	/* The map grows (persist__grow) only while no transaction of this
	 * process is open: every transaction holds `grow` shared, growing takes
	 * it exclusively. */
	pthread_rwlock_t grow;
	_Atomic uint64_t mapsize;
	uint64_t mapsize_max;
	char path[256];
};

/* Transactions, always through these (they hold p->grow shared). */
static inline int persist__txn_begin(struct persist *p, unsigned flags, MDB_txn **txn)
{
	pthread_rwlock_rdlock(&p->grow);
	int rc = mdb_txn_begin(p->env, NULL, flags, txn);
	if (rc)
		pthread_rwlock_unlock(&p->grow);
	return rc;
}
static inline void persist__txn_abort(struct persist *p, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&p->grow);
}
static inline int persist__txn_commit(struct persist *p, MDB_txn *txn)
{
	int rc = mdb_txn_commit(txn); /* frees txn, failed or not */
	pthread_rwlock_unlock(&p->grow);
	return rc;
}

/* Seals: each of our records (orders, positions, the journal) is stored with
 * 4 more bytes, a checksum of its key and value (FNV-1a 64 folded to 32
 * bits), so bytes changed on disk are caught when the record is read (and at
 * open for orders and positions) instead of being believed. A record of
 * exactly its struct's size was written before seals and is taken as is. */
#define PERSIST_SEAL 4

static inline uint32_t persist__seal_of(const MDB_val *k, const void *val, size_t n)
{
	uint64_t h = core_fnv1a(CORE_FNV_OFFSET, k->mv_data, k->mv_size);
	h = core_fnv1a(h, val, n);
	return (uint32_t)(h ^ (h >> 32));
}

/* The stored form of a record of n bytes, in buf (n + PERSIST_SEAL bytes). */
static inline MDB_val persist__sealed(const MDB_val *k, const void *val, size_t n,
                                      unsigned char *buf)
{
	memcpy(buf, val, n);
	uint32_t s = persist__seal_of(k, val, n);
	memcpy(buf + n, &s, PERSIST_SEAL);
	MDB_val v = { n + PERSIST_SEAL, buf };
	return v;
}

/* A stored record of n bytes into out: 0, or EIO (positive, as LMDB's codes)
 * when its size is wrong or its seal does not match. */
static inline int persist__unseal(const MDB_val *k, const MDB_val *v, void *out, size_t n)
{
	if (v->mv_size == n) { /* from before seals */
		memcpy(out, v->mv_data, n);
		return 0;
	}
	if (v->mv_size != n + PERSIST_SEAL)
		return EIO;
	uint32_t s;
	memcpy(&s, (const unsigned char *)v->mv_data + n, PERSIST_SEAL);
	if (s != persist__seal_of(k, v->mv_data, n))
		return EIO;
	memcpy(out, v->mv_data, n);
	return 0;
}

/* persist__grow - double the map (up to mapsize_max) while the caller has no
 * transaction open: 0 grown, MDB_MAP_FULL already at the limit, or LMDB's error. */
int persist__grow(struct persist *p);

/* persist__scan - walk database dbi in key order in one read transaction,
 * calling fn on every record: fn returns 0 to go on, > 0 to stop (success),
 * or a negative errno to stop with it. 0 or that negative errno (or an LMDB
 * error, mapped). The records are valid only during fn. */
int persist__scan(struct persist *p, int dbi,
		  int (*fn)(void *arg, const MDB_val *k, const MDB_val *v), void *arg);

/* "persist: what in path: LMDB text" into err. */
void persist__err(char *err, size_t errlen, const char *path, const char *what, int rc);

/* An MDB_val for bytes LMDB only reads (keys, values to put). MDB_val's
 * mv_data is not const-qualified; this is the one place that says so. */
static inline MDB_val persist__in(const void *data, size_t len)
{
	MDB_val v;
	v.mv_size = len;
	memcpy(&v.mv_data, &data, sizeof(data));
	return v;
}

#endif
