// SPDX-License-Identifier: Apache-2.0
// LD_PRELOAD shim for 118-fault-stuck-source: makes the FIFOs named in
// EGD_NO_POLL (colon-separated paths) behave like /dev/hwrng, a character
// device without poll support: poll() reports them readable at once, so the
// reader then blocks inside read(2) until data comes. Every other descriptor
// is passed to the real poll() (found with dlsym(RTLD_NEXT), which under a
// sanitizer is its interceptor).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int NoPoll(int fd) {
  const char* list = getenv("EGD_NO_POLL");
  struct stat fs;
  if (!list || fd < 0 || fstat(fd, &fs) != 0 || !S_ISFIFO(fs.st_mode)) return 0;
  char paths[4096];
  strncpy(paths, list, sizeof paths - 1);
  paths[sizeof paths - 1] = '\0';
  char* save = NULL;
  for (char* p = strtok_r(paths, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
    struct stat ps;
    if (stat(p, &ps) == 0 && ps.st_dev == fs.st_dev && ps.st_ino == fs.st_ino) return 1;
  }
  return 0;
}

static int Ready(struct pollfd* fds, nfds_t n) {
  int ready = 0;
  for (nfds_t i = 0; i < n; ++i) {
    if ((fds[i].events & POLLIN) && NoPoll(fds[i].fd)) ++ready;
  }
  if (!ready) return 0;
  for (nfds_t i = 0; i < n; ++i) {
    fds[i].revents = (fds[i].events & POLLIN) && NoPoll(fds[i].fd) ? POLLIN : 0;
  }
  return ready;
}

int poll(struct pollfd* fds, nfds_t n, int timeout) {
  static int (*real)(struct pollfd*, nfds_t, int);
  int ready = Ready(fds, n);
  if (ready) return ready;
  if (!real) real = (int (*)(struct pollfd*, nfds_t, int))dlsym(RTLD_NEXT, "poll");
  return real(fds, n, timeout);
}

int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t fdslen) {
  (void)fdslen;
  return poll(fds, n, timeout);
}
