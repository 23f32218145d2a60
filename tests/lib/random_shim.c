/* SPDX-License-Identifier: Apache-2.0
 * LD_PRELOAD shim for kernel entropy feeders (ekeyd-egd-linux, egd-feed): it
 * records what they feed, by either path, and for egd-linux stands in for a
 * modern kernel's missing POLLOUT. Built and read by tests/lib/rndshim.py.
 *
 *   - poll(): egd-linux asks its EGD server for entropy only when poll()
 *     reports POLLOUT on /dev/random, which Linux >= 5.18 signals only before
 *     the CRNG is initialised. For pollfds that are /dev/random (character
 *     device 1:8) and ask for POLLOUT, the shim reports POLLOUT at once, at
 *     most EGD_SHIM_POLLOUT_MAX times (default 0: never); afterwards poll()
 *     behaves as the kernel does, so a test gets an exact number of requests.
 *   - ioctl(fd, RNDADDENTROPY, info) on /dev/random (mixes and credits; needs
 *     CAP_SYS_ADMIN): appends one line
 *     "<CLOCK_MONOTONIC ns> ioctl <entropy_count> <buf_size> <rc> <errno> <hex buf>\n"
 *     to EGD_SHIM_LOG (one write(2), so readers see whole lines), after passing
 *     the call on to the real ioctl (EGD_SHIM_IOCTL=pass, the default) or
 *     instead of it (EGD_SHIM_IOCTL=fake: report success without calling the
 *     kernel, for runs without CAP_SYS_ADMIN).
 *   - write(fd, buf, count) on /dev/random (mixes without credit; any user):
 *     the same line with "write", entropy_count 0, buf_size = count, rc 0 (or
 *     -1 and errno when write failed) and the bytes the call wrote (fewer than
 *     buf_size after a short write). EGD_SHIM_IOCTL=fake fakes it too: nothing
 *     reaches the kernel, the whole count is reported written.
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
#include <sys/random.h>
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

static ssize_t RealWrite(int fd, const void* buf, size_t count) {
  static ssize_t (*real_write)(int, const void*, size_t);
  if (!real_write) real_write = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  return real_write(fd, buf, count);
}

static void LogFeed(const char* call, int entropy, int size, const unsigned char* b, int n,
                    int rc, int err) {
  const char* path = getenv("EGD_SHIM_LOG");
  if (!path) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (n < 0) n = 0;
  size_t cap = 112 + 2 * (size_t)n;
  char* line = malloc(cap);
  if (!line) return;
  int len = snprintf(line, cap, "%lld %s %d %d %d %d ",
                     (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, call, entropy, size, rc, err);
  for (int i = 0; i < n; i++) len += snprintf(line + len, cap - len, "%02x", b[i]);
  line[len++] = '\n';
  /* 0666: the feeder may run as another user than the test (egd-feed --user). */
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd >= 0) {
    ssize_t w = RealWrite(fd, line, len);
    (void)w;
    close(fd);
  }
  free(line);
}

static int Faking(void) {
  const char* mode = getenv("EGD_SHIM_IOCTL");
  return mode && strcmp(mode, "fake") == 0;
}

int ioctl(int fd, unsigned long request, ...) {
  static int (*real_ioctl)(int, unsigned long, ...);
  if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if ((request != RNDADDENTROPY && request != RNDRESEEDCRNG) || !IsDevRandom(fd)) {
    return real_ioctl(fd, request, arg);
  }
  if (request == RNDRESEEDCRNG) {
    int rc = Faking() ? 0 : real_ioctl(fd, request);
    int err = rc == 0 ? 0 : errno;
    LogFeed("reseed", 0, 0, NULL, 0, rc, err);
    errno = err;
    return rc;
  }

  int rc = Faking() ? 0 : real_ioctl(fd, request, arg);
  int err = rc == 0 ? 0 : errno;
  const struct rand_pool_info* info = (const struct rand_pool_info*)arg;
  LogFeed("ioctl", info->entropy_count, info->buf_size, (const unsigned char*)info->buf,
          info->buf_size, rc, err);
  errno = err;
  return rc;
}

ssize_t write(int fd, const void* buf, size_t count) {
  if (!IsDevRandom(fd)) return RealWrite(fd, buf, count);
  ssize_t n = Faking() ? (ssize_t)count : RealWrite(fd, buf, count);
  int err = n < 0 ? errno : 0;
  LogFeed("write", 0, (int)count, (const unsigned char*)buf, n < 0 ? 0 : (int)n, n < 0 ? -1 : 0,
          err);
  errno = err;
  return n;
}

/* Not ready: EGD_SHIM_CRNG_READY unset or empty, or naming a file that does not exist. */
static int CrngReady(void) {
  const char* ready = getenv("EGD_SHIM_CRNG_READY");
  if (!ready || !*ready) return 0;
  return strcmp(ready, "kernel") == 0 || access(ready, F_OK) == 0;
}

ssize_t getrandom(void* buf, size_t n, unsigned int flags) {
  static ssize_t (*real_getrandom)(void*, size_t, unsigned int);
  if (!real_getrandom) {
    real_getrandom = (ssize_t(*)(void*, size_t, unsigned int))dlsym(RTLD_NEXT, "getrandom");
  }
  if ((flags & GRND_NONBLOCK) && !CrngReady()) {
    errno = EAGAIN;
    return -1;
  }
  return real_getrandom(buf, n, flags);
}

static long long BoottimeOffsetNs(void) {
  const char* path = getenv("EGD_SHIM_BOOTTIME_OFFSET");
  if (!path || !*path) return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[64];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return 0;
  text[n] = '\0';
  return (long long)(strtod(text, NULL) * 1e9);
}

int clock_gettime(clockid_t clock, struct timespec* ts) {
  static int (*real_clock_gettime)(clockid_t, struct timespec*);
  if (!real_clock_gettime) {
    real_clock_gettime = (int (*)(clockid_t, struct timespec*))dlsym(RTLD_NEXT, "clock_gettime");
  }
  int rc = real_clock_gettime(clock, ts);
  if (rc != 0 || clock != CLOCK_BOOTTIME) return rc;
  long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + BoottimeOffsetNs();
  ts->tv_sec = ns / 1000000000LL;
  ts->tv_nsec = ns % 1000000000LL;
  return 0;
}
