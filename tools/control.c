/* control.c - operator socket: status, kill, resume. */
#define _GNU_SOURCE
#include "control.h"

#include <fcntl.h>
#include <poll.h>
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
	else
		snprintf(buf, cap, "/tmp/osprey-%u.sock", (unsigned)geteuid());
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
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
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

static void serve(struct control *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    (cred.uid != geteuid() && cred.uid != 0)) {
		static const char no[] = "error: not the engine's owner\n";
		(void)!send(fd, no, sizeof(no) - 1, MSG_NOSIGNAL);
		c->refused++;
		return;
	}
	char line[512];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, CONTROL_IO_TIMEOUT_MS) <= 0)
			break;
		ssize_t k = read(fd, line + n, sizeof(line) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		if (memchr(line, '\n', n))
			break;
	}
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char reply[4096];
	reply[0] = '\0';
	c->handler(c->arg, cred.uid, line, reply, sizeof(reply));
	size_t off = 0, total = strlen(reply);
	while (off < total) {
		/* MSG_NOSIGNAL: a client gone before its reply is its loss, not a
		 * SIGPIPE that kills the engine */
		ssize_t k = send(fd, reply + off, total - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
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
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
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
