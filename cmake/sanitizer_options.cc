// Default runtime options of a sanitizer build, linked into every executable by
// cmake/Sanitizers.cmake. The runtimes call these hooks at start-up, before
// reading ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS, so a sanitized binary
// behaves the same whether ctest, a system test or a person starts it, and the
// environment can still override any option (e.g. detect_leaks=0 under strace).
//
// Built with EGD_SANITIZER_ADDRESS (ASan + UBSan) or EGD_SANITIZER_THREAD (TSan).

#define EGD_SANITIZER_HOOK extern "C" __attribute__((visibility("default"), used)) const char*

#if defined(EGD_SANITIZER_ADDRESS)
// halt_on_error: the first error ends the process (with -fno-sanitize-recover=all
// the same holds for UB), so nothing runs on in a corrupted state.
// detect_stack_use_after_return, check/strict_init_order: off by default, cheap here.
// verify_asan_link_order=0: tests 070 and 091 LD_PRELOAD tests/lib/random_shim.c
// into egd-feed; it wraps only poll() and ioctl() and calls on through
// dlsym(RTLD_NEXT), i.e. into ASan's own interceptors, so nothing is bypassed, but
// the runtime would refuse to start because the shim, not libasan, comes first.
EGD_SANITIZER_HOOK __asan_default_options() {
  return "detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:"
         "check_initialization_order=1:strict_init_order=1:verify_asan_link_order=0";
}

EGD_SANITIZER_HOOK __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:report_error_type=1";
}
#endif

#if defined(EGD_SANITIZER_THREAD)
// second_deadlock_stack: lock-order reports show where both locks were taken.
// No suppressions: the whole suite runs without a report, Boost.Asio included.
EGD_SANITIZER_HOOK __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1";
}
#endif
