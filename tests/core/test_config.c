#undef NDEBUG
#include "core.h"

#include <assert.h>
#include <stdio.h>

int main(void)
{
	struct core_config cfg;
	char err[256];
	const char *good = "# comment\n[engine]\nburst = 32 # trailing\nname = demo\n"
			   "[risk]\nmax_position = 10k\nkill = false\n";
	assert(core_config_parse(&cfg, "good.ini", good, err, sizeof(err)) == 0);
	uint64_t burst = 0;
	assert(core_config_u64(&cfg, "engine.burst", 1, 1024, &burst, err, sizeof(err)) == 0);
	assert(burst == 32);
	int64_t pos = 0;
	assert(core_config_i64(&cfg, "risk.max_position", 0, 1000000, &pos, err, sizeof(err)) == 0);
	assert(pos == 10000);
	bool kill = true;
	assert(core_config_bool(&cfg, "risk.kill", &kill, err, sizeof(err)) == 0 && !kill);
	char name[8];
	assert(core_config_str(&cfg, "engine.name", name, sizeof(name), err, sizeof(err)) == 0);
	assert(!strcmp(name, "demo"));
	uint64_t absent = 7;
	assert(core_config_u64(&cfg, "engine.absent", 0, 10, &absent, err, sizeof(err)) == 0);
	assert(absent == 7);
	assert(core_config_unused(&cfg) == NULL);

	/* a typo is found as unused, with its line */
	assert(core_config_parse(&cfg, "t.ini", "[a]\nbrust = 3\n", err, sizeof(err)) == 0);
	const struct core_config_entry *u = core_config_unused(&cfg);
	assert(u && !strcmp(u->key, "a.brust") && u->line == 2);

	/* errors name the file, the line and the key */
	assert(core_config_parse(&cfg, "bad.ini", "[a]\nx = 1\nnot a pair\n", err, sizeof(err)) ==
	       -EINVAL);
	assert(strstr(err, "bad.ini:3:"));
	assert(core_config_parse(&cfg, "bad.ini", "x = 1\n", err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "bad.ini:1:") && strstr(err, "outside"));
	assert(core_config_parse(&cfg, "bad.ini", "[a]\nx=1\nx=2\n", err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "bad.ini:3:") && strstr(err, "repeats line 2"));
	assert(core_config_parse(&cfg, "v.ini", "[a]\n\nn = 12x\nb = maybe\nbig = 5000\n", err,
				 sizeof(err)) == 0);
	uint64_t n;
	assert(core_config_u64(&cfg, "a.n", 0, 100, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "v.ini:3:") && strstr(err, "'a.n'"));
	bool b;
	assert(core_config_bool(&cfg, "a.b", &b, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "v.ini:4:"));
	assert(core_config_u64(&cfg, "a.big", 0, 100, &n, err, sizeof(err)) == -EINVAL);
	assert(strstr(err, "v.ini:5:") && strstr(err, "outside"));
	assert(core_config_load(&cfg, "/nonexistent/x.ini", err, sizeof(err)) == -ENOENT);
	assert(strstr(err, "/nonexistent/x.ini"));
	printf("config ok\n");
	return 0;
}
