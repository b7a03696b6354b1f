/* irq_check.c - device interrupts on the hot cpus (irq_check.h). */
#include "irq_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int irq_snapshot(const char *path, struct irq_snap *ret)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	ret->ncpu = ret->n = 0;
	char buf[4096];
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EINVAL;
	}
	for (char *p = strstr(buf, "CPU"); p && ret->ncpu < IRQ_MAX_CPUS; p = strstr(p + 3, "CPU"))
		ret->ncpu++;
	if (!ret->ncpu) {
		fclose(f);
		return -EINVAL;
	}
	while (fgets(buf, sizeof(buf), f) && ret->n < IRQ_MAX_LINES) {
		char *p = buf;
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			continue; /* NMI, LOC, CAL, TLB...: per-cpu lines, not a device's */
		char *colon = strchr(p, ':');
		if (!colon)
			continue;
		__typeof__(ret->line[0]) *l = &ret->line[ret->n];
		snprintf(l->irq, sizeof(l->irq), "%.*s", (int)(colon - p), p);
		char *q = colon + 1;
		unsigned c = 0;
		for (; c < ret->ncpu; c++) {
			char *end;
			unsigned long long v = strtoull(q, &end, 10);
			if (end == q)
				break;
			l->count[c] = v;
			q = end;
		}
		if (c < ret->ncpu)
			continue;
		/* the name: the last word of the line */
		size_t len = strcspn(q, "\n");
		while (len && isspace((unsigned char)q[len - 1]))
			len--;
		size_t start = len;
		while (start && !isspace((unsigned char)q[start - 1]))
			start--;
		snprintf(l->name, sizeof(l->name), "%.*s", (int)(len - start), q + start);
		ret->n++;
	}
	fclose(f);
	return 0;
}

static int by_count(const void *x, const void *y)
{
	const struct irq_hit *a = x, *b = y;
	return a->count < b->count ? 1 : a->count > b->count ? -1 : 0;
}

unsigned irq_hot(const struct irq_snap *a, const struct irq_snap *b, const int *cpus,
		 unsigned ncpus, struct irq_hit *hits, unsigned cap)
{
	unsigned found = 0;
	struct irq_hit all[64];
	for (unsigned k = 0; k < ncpus; k++) {
		int cpu = cpus[k];
		if (cpu < 0 || (unsigned)cpu >= b->ncpu)
			continue;
		bool dup = false;
		for (unsigned j = 0; j < k; j++)
			dup |= cpus[j] == cpu;
		if (dup)
			continue;
		for (unsigned i = 0; i < b->n; i++) {
			uint64_t before = 0;
			for (unsigned j = 0; j < a->n; j++)
				if (!strcmp(a->line[j].irq, b->line[i].irq)) {
					before = a->line[j].count[cpu];
					break;
				}
			uint64_t d = b->line[i].count[cpu] - before;
			if (b->line[i].count[cpu] <= before)
				continue;
			if (found < sizeof(all) / sizeof(all[0])) {
				struct irq_hit *h = &all[found];
				h->cpu = cpu;
				h->count = d;
				memcpy(h->irq, b->line[i].irq, sizeof(h->irq));
				memcpy(h->name, b->line[i].name, sizeof(h->name));
			}
			found++;
		}
	}
	unsigned kept = found < sizeof(all) / sizeof(all[0]) ? found : sizeof(all) / sizeof(all[0]);
	qsort(all, kept, sizeof(all[0]), by_count);
	memcpy(hits, all, (kept < cap ? kept : cap) * sizeof(*hits));
	return found;
}
