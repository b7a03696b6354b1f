/* progress.c - a progress line on a terminal (progress.h). */
#define _GNU_SOURCE
#include "progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_MS 250
#define BAR 24

struct progress {
	pthread_t tid;
	_Atomic bool stop;
	const char *what, *unit;
	void (*sample)(void *arg, struct progress_sample *ret);
	void *arg;
	struct timespec t0;
};

/* 1234567 -> "1.23 M" (at most 4 significant digits) */
static void human(char *buf, size_t cap, double v)
{
	static const char *const sfx[] = { "", " k", " M", " G", " T" };
	unsigned i = 0;
	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, cap, i ? "%.3g%s" : "%.0f%s", v, sfx[i]);
}

void progress_format(char *buf, size_t cap, const char *what, const char *unit,
                     const struct progress_sample *s, double elapsed_s)
{
	char done[24], rate[24];
	human(done, sizeof(done), (double)s->done);
	human(rate, sizeof(rate), elapsed_s > 0 ? (double)s->done / elapsed_s : 0);
	int n;
	if (s->total) {
		double f = s->done >= s->total ? 1.0 : (double)s->done / (double)s->total;
		char bar[BAR + 1];
		unsigned fill = (unsigned)(f * BAR);
		for (unsigned i = 0; i < BAR; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR] = 0;
		char eta[24] = "--:--";
		if (f > 0.001 && elapsed_s > 0.5) {
			unsigned left = (unsigned)(elapsed_s / f - elapsed_s + 0.5);
			snprintf(eta, sizeof(eta), "%u:%02u", left / 60, left % 60);
		}
		n = snprintf(buf, cap, "%s %5.1f%% [%s] %s%s/s, ETA %s", what, f * 100, bar, rate,
		             unit, eta);
	} else {
		n = snprintf(buf, cap, "%s %s%s, %s%s/s", what, done, unit, rate, unit);
	}
	if (n >= 0 && (size_t)n < cap && s->extra[0])
		snprintf(buf + n, cap - (size_t)n, "; %s", s->extra);
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Redraw the line: one write, so another thread's stderr never tears it. */
static void draw(const char *what, const char *unit, const struct progress_sample *s,
                 double elapsed_s)
{
	char line[256], out[300];
	progress_format(line, sizeof(line), what, s->unit ? s->unit : unit, s, elapsed_s);
	int n = snprintf(out, sizeof(out), "\r\033[K%s", line);
	if (n > 0)
		(void)!write(STDERR_FILENO, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
}

static void erase(void)
{
	(void)!write(STDERR_FILENO, "\r\033[K", 4); /* leave the terminal as it was */
}

static void *run(void *arg)
{
	struct progress *p = arg;
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		struct progress_sample s = { 0 };
		p->sample(p->arg, &s);
		draw(p->what, p->unit, &s, since(&p->t0));
		struct timespec ts = { 0, REDRAW_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	erase();
	return NULL;
}

void progress_loop_init(struct progress_loop *l, const char *what, const char *unit, bool quiet)
{
	*l = (struct progress_loop){ .on = !quiet && isatty(STDERR_FILENO),
		                     .what = what,
		                     .unit = unit ? unit : "",
		                     .t0 = mono_s() };
	l->last = l->t0 - 1;
}

void progress_loop_draw(struct progress_loop *l, const struct progress_sample *s)
{
	if (!l->on)
		return;
	double now = mono_s();
	if (now - l->last < REDRAW_MS / 1e3)
		return;
	l->last = now;
	draw(l->what, l->unit, s, now - l->t0);
}

void progress_loop_erase(struct progress_loop *l)
{
	if (l->on)
		erase();
}

struct progress *progress_start(const char *what, const char *unit, bool quiet,
                                void (*sample)(void *arg, struct progress_sample *ret),
                                void *arg)
{
	if (quiet || !isatty(STDERR_FILENO))
		return NULL;
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->what = what;
	p->unit = unit ? unit : "";
	p->sample = sample;
	p->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	if (pthread_create(&p->tid, NULL, run, p)) {
		free(p);
		return NULL;
	}
	pthread_setname_np(p->tid, "osprey-progress");
	return p;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	atomic_store_explicit(&p->stop, true, memory_order_relaxed);
	pthread_join(p->tid, NULL);
	free(p);
}
