/* The model registry: versions assigned in order, list order, get latest or
 * a given version, blobs returned byte for byte, one active model at a time,
 * everything surviving a reopen, bad names and missing models refused. */
#undef NDEBUG
#include "util.h"

#include <stdlib.h>

static struct persist_model_meta meta(const char *name, const char *kind)
{
	struct persist_model_meta m;
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.kind, sizeof(m.kind), "%s", kind);
	snprintf(m.source, sizeof(m.source), "test_registry.c");
	snprintf(m.metrics, sizeof(m.metrics), "auc 0.5%s", name);
	m.schema = 0x1234;
	m.data_from_ns = 1;
	m.data_to_ns = 2;
	return m;
}

static void put(struct persist *p, const char *name, const char *kind, const char *blob,
		uint32_t want_version)
{
	struct persist_model_meta m = meta(name, kind);
	CHECK(persist_model_put(p, &m, blob, strlen(blob)) == 0);
	CHECK(m.version == want_version && m.active == 0 && m.blob_len == strlen(blob));
	CHECK(m.created_ns > 0);
}

static struct persist *open_store(const char *dir)
{
	struct persist *p = NULL;
	char err[256];
	struct persist_options opt = { .mapsize = 16 << 20, .sync = PERSIST_SYNC_NONE };
	CHECK(persist_open_opts(dir, &opt, &p, err, sizeof(err)) == 0);
	return p;
}

int main(void)
{
	char dir[256];
	tmpdir_make(dir, sizeof(dir));
	struct persist *p = open_store(dir);
	struct persist_model_meta m;
	void *blob = NULL;
	unsigned n = 0;

	CHECK(persist_model_active(p, &m, &blob) == -ENOENT);
	CHECK(persist_model_get(p, "alpha", 0, &m, &blob) == -ENOENT);
	put(p, "alpha", "linear", "osprey-model linear v1\nA1\n", 1);
	put(p, "beta", "gbtree", "BETA-1", 1);
	put(p, "alpha", "linear", "osprey-model linear v1\nA2\n", 2);
	put(p, "alph", "linear", "prefix of alpha: its own name", 1);
	put(p, "alpha", "rf", "A3 with a NUL \0 inside", 3);

	struct persist_model_meta list[8];
	CHECK(persist_model_list(p, list, 8, &n) == 0 && n == 5);
	/* by name, then version */
	CHECK(!strcmp(list[0].name, "alph") && list[0].version == 1);
	CHECK(!strcmp(list[1].name, "alpha") && list[1].version == 1);
	CHECK(!strcmp(list[2].name, "alpha") && list[2].version == 2);
	CHECK(!strcmp(list[3].name, "alpha") && list[3].version == 3);
	CHECK(!strcmp(list[4].name, "beta") && list[4].version == 1);
	CHECK(!strcmp(list[3].kind, "rf") && list[3].schema == 0x1234);
	CHECK(persist_model_list(p, list, 4, &n) == -ENOSPC);

	CHECK(persist_model_get(p, "alpha", 0, &m, &blob) == 0);
	CHECK(m.version == 3 && m.blob_len == strlen("A3 with a NUL "));
	free(blob);
	CHECK(persist_model_get(p, "alpha", 2, &m, &blob) == 0);
	CHECK(m.version == 2 && m.blob_len == 26 && !memcmp(blob, "osprey-model linear v1\nA2\n", 26));
	free(blob);
	CHECK(persist_model_get(p, "alpha", 4, &m, &blob) == -ENOENT);
	CHECK(persist_model_get(p, "gamma", 0, &m, &blob) == -ENOENT);

	/* one active at a time */
	CHECK(persist_model_activate(p, "alpha", 2) == 0);
	CHECK(persist_model_active(p, &m, &blob) == 0 && !strcmp(m.name, "alpha") && m.version == 2);
	free(blob);
	CHECK(persist_model_activate(p, "beta", 1) == 0);
	CHECK(persist_model_list(p, list, 8, &n) == 0 && n == 5);
	unsigned active = 0;
	for (unsigned i = 0; i < n; i++)
		active += list[i].active;
	CHECK(active == 1 && list[4].active == 1);
	CHECK(persist_model_activate(p, "beta", 2) == -ENOENT);
	CHECK(persist_model_activate(p, "beta", 0) == -EINVAL);
	/* a failed activation changed nothing */
	CHECK(persist_model_active(p, &m, &blob) == 0 && !strcmp(m.name, "beta"));
	free(blob);

	/* bad names */
	struct persist_model_meta bad = meta("x", "linear");
	snprintf(bad.name, sizeof(bad.name), "has space");
	CHECK(persist_model_put(p, &bad, "b", 1) == -EINVAL);
	snprintf(bad.name, sizeof(bad.name), "%s", "");
	CHECK(persist_model_put(p, &bad, "b", 1) == -EINVAL);
	CHECK(persist_model_get(p, "a/b", 0, &m, &blob) == -EINVAL);
	CHECK(persist_model_get(p, "0123456789012345678901234567890123", 0, &m, &blob) == -EINVAL);

	/* everything survives a reopen */
	persist_close(p);
	p = open_store(dir);
	CHECK(persist_model_active(p, &m, &blob) == 0 && !strcmp(m.name, "beta") &&
	      m.blob_len == 6 && !memcmp(blob, "BETA-1", 6));
	free(blob);
	put(p, "alpha", "linear", "A4", 4);
	persist_close(p);
	tmpdir_remove(dir);
	printf("registry: ok\n");
	return 0;
}
