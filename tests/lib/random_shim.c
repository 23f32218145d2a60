/* LD_PRELOAD shim for kernel entropy feeders (ekeyd-egd-linux, egd-feed): it
 * records what they feed and, for egd-linux, stands in for a modern kernel's
 * missing POLLOUT. Built and read by tests/lib/rndshim.py.
 *
 *   - poll(): egd-linux asks its EGD server for entropy only when poll()
 *     reports POLLOUT on /dev/random, which Linux >= 5.18 signals only before
 *     the CRNG is initialised. For pollfds that are /dev/random (character
 *     device 1:8) and ask for POLLOUT, the shim reports POLLOUT at once, at
 *     most EGD_SHIM_POLLOUT_MAX times (default 0: never); afterwards poll()
 *     behaves as the kernel does, so a test gets an exact number of requests.
 *   - ioctl(fd, RNDADDENTROPY, info) on /dev/random: appends one line
 *     "<CLOCK_MONOTONIC ns> <entropy_count> <buf_size> <rc> <errno> <hex buf>\n"
 *     to EGD_SHIM_LOG (one write(2), so readers see whole lines), after passing
 *     the call on to the real ioctl (EGD_SHIM_IOCTL=pass, the default) or
 *     instead of it (EGD_SHIM_IOCTL=fake: report success without calling the
 *     kernel, for runs without CAP_SYS_ADMIN).
 * Every other fd and request goes straight to libc untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int IsDevRandom(int fd) {
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return 0;
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 8;
}

static long EnvLong(const char* name, long dflt) {
  const char* v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : dflt;
}

static long pollouts_given = 0;

int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  static int (*real_poll)(struct pollfd*, nfds_t, int);
  if (!real_poll) real_poll = (int (*)(struct pollfd*, nfds_t, int))dlsym(RTLD_NEXT, "poll");

  enum { kMax = 64 };
  short saved[kMax];
  int forced[kMax] = {0};
  int nforced = 0;
  if (nfds <= kMax && pollouts_given < EnvLong("EGD_SHIM_POLLOUT_MAX", 0)) {
    for (nfds_t i = 0; i < nfds; i++) {
      if ((fds[i].events & POLLOUT) && IsDevRandom(fds[i].fd)) {
        saved[i] = fds[i].events;
        fds[i].events &= ~POLLOUT;
        forced[i] = 1;
        nforced++;
      }
    }
  }
  if (nforced == 0) return real_poll(fds, nfds, timeout);

  pollouts_given++;
  int n = real_poll(fds, nfds, 0); /* something is ready: do not block */
  if (n < 0) n = 0;
  for (nfds_t i = 0; i < nfds; i++) {
    if (!forced[i]) continue;
    fds[i].events = saved[i];
    if (fds[i].revents == 0) n++;
    fds[i].revents |= POLLOUT;
  }
  return n;
}

static void LogAddEntropy(const struct rand_pool_info* info, int rc, int err) {
  const char* path = getenv("EGD_SHIM_LOG");
  if (!path) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int n = info->buf_size > 0 ? info->buf_size : 0;
  size_t cap = 96 + 2 * (size_t)n;
  char* line = malloc(cap);
  if (!line) return;
  int len = snprintf(line, cap, "%lld %d %d %d %d ",
                     (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, info->entropy_count,
                     info->buf_size, rc, err);
  const unsigned char* b = (const unsigned char*)info->buf;
  for (int i = 0; i < n; i++) len += snprintf(line + len, cap - len, "%02x", b[i]);
  line[len++] = '\n';
  /* 0666: the feeder may run as another user than the test (egd-feed --user). */
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd >= 0) {
    ssize_t w = write(fd, line, len);
    (void)w;
    close(fd);
  }
  free(line);
}

int ioctl(int fd, unsigned long request, ...) {
  static int (*real_ioctl)(int, unsigned long, ...);
  if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (request != RNDADDENTROPY || !IsDevRandom(fd)) return real_ioctl(fd, request, arg);

  const char* mode = getenv("EGD_SHIM_IOCTL");
  int fake = mode && strcmp(mode, "fake") == 0;
  int rc = fake ? 0 : real_ioctl(fd, request, arg);
  int err = rc == 0 ? 0 : errno;
  LogAddEntropy((const struct rand_pool_info*)arg, rc, err);
  errno = err;
  return rc;
}
