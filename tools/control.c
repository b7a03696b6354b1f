/* control.c - operator socket: status, kill, resume. */
#define _GNU_SOURCE
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void control_default_path(char *buf, size_t cap)
{
	const char *env = getenv("OSPREY_CTL");
	const char *run = getenv("XDG_RUNTIME_DIR");
	if (env && *env)
		snprintf(buf, cap, "%s", env);
	else if (run && *run)
		snprintf(buf, cap, "%s/osprey.sock", run);
	else /* a directory of our own: control_open makes it, mode 0700 */
		snprintf(buf, cap, "/tmp/osprey-%u/osprey.sock", (unsigned)geteuid());
}

/* The socket's directory must be ours (or root's) and closed to others: in
 * a directory every user may write to (/tmp), another user could take the
 * name first or swap the file. A missing directory is made, mode 0700. */
static int check_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;
		snprintf(err, errlen, "%s: cannot make the socket's directory %s: %s", path, dir,
		         strerror(errno));
		return r;
	}
	if (stat(dir, &st) < 0) {
		int r = -errno;
		snprintf(err, errlen, "%s: the socket's directory %s: %s", path, dir, strerror(errno));
		return r;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s: the directory %s belongs to uid %u, not to you: refusing it",
		         path, dir, (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
		         "%s: the directory %s is writable by other users (mode %03o): another user "
		         "could take the socket's name; put it in a private directory "
		         "(XDG_RUNTIME_DIR, or a mode 0700 one)",
		         path, dir, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int control_open(struct control *c, const char *path, control_handler h, void *arg, char *err,
		 size_t errlen)
{
	memset(c, 0, sizeof(*c));
	atomic_init(&c->finish, false);
	c->fd = -1;
	c->handler = h;
	c->arg = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: control socket path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(c->path, sizeof(c->path), "%s", path);
	int r = check_dir(path, err, errlen);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail_errno;
	/* A stale socket from a dead engine is replaced; a live one is not. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		snprintf(err, errlen, "%s: another engine is listening there", path);
		return -EADDRINUSE;
	}
	unlink(path);
	mode_t old = umask(077);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 8) < 0)
		goto fail_close;
	c->fd = fd;
	return 0;
fail_close:
	r = -errno;
	snprintf(err, errlen, "%s: control socket: %s", path, strerror(errno));
	close(fd);
	return r;
fail_errno:
	r = -errno;
	snprintf(err, errlen, "%s: control socket: %s", path, strerror(errno));
	return r;
}

static int ms_left(uint64_t deadline)
{
	uint64_t now = core_monotonic_ns();
	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Send all of text before the deadline; a client that does not read, or is
 * gone (MSG_NOSIGNAL: its loss, not a SIGPIPE that kills the engine), loses it. */
static void send_all(int fd, const char *text, uint64_t deadline)
{
	size_t off = 0, total = strlen(text);
	while (off < total) {
		ssize_t k = send(fd, text + off, total - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			off += (size_t)k;
			continue;
		}
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if ((k < 0 && errno != EAGAIN && errno != EINTR) || poll(&p, 1, ms_left(deadline)) <= 0)
			return;
	}
}

/* Refuse: the reason to the client (if it still reads), counted and kept. */
static void refuse(struct control *c, int fd, uid_t uid, uint64_t deadline, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void refuse(struct control *c, int fd, uid_t uid, uint64_t deadline, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->last_refusal, sizeof(c->last_refusal), fmt, ap);
	va_end(ap);
	c->refused++;
	char msg[sizeof(c->last_refusal) + 16];
	snprintf(msg, sizeof(msg), "error: %s\n", c->last_refusal);
	send_all(fd, msg, deadline);
	/* what the client sent that was not read would make the close a reset,
	 * and the reset can overtake the answer: read it away first */
	char junk[512];
	for (int i = 0; i < 64 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	if (c->on_refuse)
		c->on_refuse(c->arg, uid, c->last_refusal);
}

/* Read one command line before the deadline: its length, or -1 refused. */
static long read_line(struct control *c, int fd, uid_t uid, uint64_t deadline, char *line,
                      size_t cap)
{
	size_t n = 0;
	const char *nl = NULL;
	while (!nl) {
		if (n == cap - 1) {
			refuse(c, fd, uid, deadline, "command longer than %zu bytes: refused", cap - 2);
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int w = ms_left(deadline);
		if (w == 0 || poll(&p, 1, w) <= 0) {
			refuse(c, fd, uid, deadline, "no whole command line within %d ms: refused",
			       CONTROL_IO_TIMEOUT_MS);
			return -1;
		}
		ssize_t k = recv(fd, line + n, cap - 1 - n, MSG_DONTWAIT);
		if (k == 0)
			break; /* the client closed: a last line without its newline still counts */
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			c->refused++;
			snprintf(c->last_refusal, sizeof(c->last_refusal), "read: %s", strerror(errno));
			return -1;
		}
		nl = memchr(line + n, '\n', (size_t)k);
		n += (size_t)k;
	}
	size_t len = nl ? (size_t)(nl - line) : n;
	if (len && line[len - 1] == '\r')
		len--;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e) {
			refuse(c, fd, uid, deadline,
			       "byte 0x%02x at offset %zu is not printable ASCII: command refused",
			       (unsigned char)line[i], i);
			return -1;
		}
	line[len] = '\0';
	return (long)len;
}

static void serve(struct control *c, int fd)
{
	/* the whole request (line in, reply out) within CONTROL_IO_TIMEOUT_MS: a
	 * slow client cannot hold the thread (and a kill behind it) for longer */
	uint64_t deadline = core_monotonic_ns() + CONTROL_IO_TIMEOUT_MS * 1000000ull;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		refuse(c, fd, (uid_t)-1, deadline, "cannot read the peer's credentials: %s",
		       strerror(errno));
		return;
	}
	if (cred.uid != geteuid() && cred.uid != 0) {
		refuse(c, fd, cred.uid, deadline, "uid %u is not the engine's owner: refused",
		       (unsigned)cred.uid);
		return;
	}
	char line[CONTROL_LINE_MAX + 2];
	if (read_line(c, fd, cred.uid, deadline, line, sizeof(line)) < 0)
		return;
	char reply[4096];
	reply[0] = '\0';
	c->handler(c->arg, cred.uid, line, reply, sizeof(reply));
	send_all(fd, reply, deadline);
	c->served++;
}

int control_poll(void *ctx, uint32_t *ret_work)
{
	struct control *c = ctx;
	*ret_work = 0;
	/* relaxed: a request to stop, no data rides on it */
	if (atomic_load_explicit(&c->finish, memory_order_relaxed))
		return CORE_EOF;
	if (c->fd < 0)
		return 0;
	if (c->wait_ms > 0) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, c->wait_ms) <= 0)
			return 0; /* nobody came, or EINTR: the runner polls again */
	}
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return 0; /* EAGAIN: nobody waiting; other errors retried next poll */
	serve(c, fd);
	close(fd);
	*ret_work = 1;
	return 0;
}

void control_close(struct control *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->path);
	}
	c->fd = -1;
}

int control_request(const char *path, const char *cmd, char *buf, size_t cap, char *err,
		    size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot reach the engine: %s", path, strerror(errno));
		goto out_close;
	}
	/* the other end must be the engine we may command: our uid or root. Else
	 * anyone who listened first on a shared path could forge "ok: killed". */
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot check who listens: %s", path, strerror(errno));
		goto out_close;
	}
	if (cred.uid != geteuid() && cred.uid != 0) {
		r = -EPERM;
		snprintf(err, errlen,
		         "%s: listened on by uid %u, neither you nor root: not your engine, nothing sent",
		         path, (unsigned)cred.uid);
		goto out_close;
	}
	char line[512];
	int len = snprintf(line, sizeof(line), "%s\n", cmd);
	if (len < 0 || (size_t)len >= sizeof(line) ||
	    send(fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
		r = -EIO;
		snprintf(err, errlen, "%s: cannot send the command", path);
		goto out_close;
	}
	size_t n = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0) {
			r = -ETIMEDOUT;
			snprintf(err, errlen, "%s: no reply within 5 s", path);
			goto out_close;
		}
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == cap - 1)
			break;
	}
	buf[n] = '\0';
	r = 0;
out_close:
	close(fd);
	return r;
}
