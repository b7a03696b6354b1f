/* slow_disk.c - an LD_PRELOAD fault: a slow disk. Every fsync, fdatasync and
 * msync waits OSPREY_SLOW_SYNC_US microseconds (default 20000) before doing
 * its work, as a loaded or failing device would. Used by test persist-slow
 * to put the engine's store behind its ring. (Exported by name: the build
 * hides symbols by default.) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void wait_a_while(void)
{
	const char *s = getenv("OSPREY_SLOW_SYNC_US");
	usleep(s ? (useconds_t)strtoul(s, NULL, 10) : 20000);
}

__attribute__((visibility("default"))) int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	wait_a_while();
	return real(fd);
}

__attribute__((visibility("default"))) int fdatasync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	wait_a_while();
	return real(fd);
}

__attribute__((visibility("default"))) int msync(void *addr, size_t len, int flags)
{
	static int (*real)(void *, size_t, int);
	if (!real)
		real = (int (*)(void *, size_t, int))dlsym(RTLD_NEXT, "msync");
	wait_a_while();
	return real(addr, len, flags);
}
