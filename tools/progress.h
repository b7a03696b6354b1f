/*
 * progress.h - a progress line for the long-running tools (tools-internal).
 *
 * On a terminal, a thread of its own redraws one line on stderr four times a
 * second: what is being done, how much (a percentage, a bar and the time left
 * when the total is known; the count and rate otherwise) and the tool's own
 * extra text. It reads only what the sample function returns (the tools read
 * published counters: nothing on a hot thread waits for it). When stderr is
 * not a terminal, or quiet is set, progress_start starts nothing and the
 * tool's output is exactly as without it. A tool with a loop of its own
 * (osprey-venue, osprey-train) draws from it instead, with a progress_loop:
 * no thread.
 *
 * Memory: progress_start allocates, progress_stop frees (and erases the
 * line). Threads: start and stop on one thread; sample runs on the progress
 * thread. Results: progress_start returns the handle, or NULL when there is
 * nothing to draw (not a terminal, quiet) or it could not start (then the
 * tool simply runs without a progress line); progress_stop accepts NULL.
 */
#ifndef OSPREY_PROGRESS_H
#define OSPREY_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress_sample {
	uint64_t done;   /* how much is done, in unit */
	uint64_t total;  /* out of this (0: not known) */
	const char *unit; /* what done counts ("B", " msgs"...; NULL: progress_start's) */
	char extra[96];  /* the tool's own words, after the numbers ("" for none) */
};

struct progress;

struct progress *progress_start(const char *what, const char *unit, bool quiet,
                                void (*sample)(void *arg, struct progress_sample *ret),
                                void *arg);
void progress_stop(struct progress *p);

/* A line drawn from the tool's own loop: init (on only on a terminal and
 * not quiet), draw as often as convenient (it redraws at most four times a
 * second), erase at the end. One thread. */
struct progress_loop {
	bool on;
	const char *what, *unit;
	double t0, last;
};
void progress_loop_init(struct progress_loop *l, const char *what, const char *unit, bool quiet);
void progress_loop_draw(struct progress_loop *l, const struct progress_sample *s);
void progress_loop_erase(struct progress_loop *l);

/* progress_format - the line itself, for tests: what, the sample, the elapsed
 * and the rate's time base in seconds, into buf (cap bytes). Any thread. */
void progress_format(char *buf, size_t cap, const char *what, const char *unit,
                     const struct progress_sample *s, double elapsed_s);

#endif
