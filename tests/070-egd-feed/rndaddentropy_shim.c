/* LD_PRELOAD shim that records every ioctl(fd, RNDADDENTROPY, info) on
 * /dev/random (character device 1:8). Adapted from
 * tests/020-ekeyd-egd-linux/random_shim.c (its poll() part is not needed:
 * egd-feed feeds on a schedule, not on POLLOUT).
 *
 * Each call appends one line to EGD_SHIM_LOG (one write(2), so readers see
 * whole lines):
 *   "<CLOCK_MONOTONIC ns> <entropy_count> <buf_size> <rc> <errno> <hex buf>\n"
 * EGD_SHIM_IOCTL=pass (default): the call goes on to the kernel first and its
 * result is recorded; EGD_SHIM_IOCTL=fake: success is reported without
 * calling the kernel (for runs without CAP_SYS_ADMIN).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
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

static void Record(const struct rand_pool_info* info, int rc, int err) {
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
  Record((const struct rand_pool_info*)arg, rc, err);
  errno = err;
  return rc;
}
