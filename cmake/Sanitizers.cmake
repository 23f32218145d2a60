# Sanitizer builds (docs/sanitizers.md). EGD_SANITIZE selects one:
#   OFF      normal build
#   address  AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer; every
#            UB report is fatal (-fno-sanitize-recover=all). ON is an alias.
#   thread   ThreadSanitizer
# Sets EGD_SANITIZER to "", "address" or "thread" for the rest of the build.
#
# Runtime defaults are compiled into every executable (sanitizer_options.cc).
# System tests call egd_sanitizer_test(NAME): the sanitized programs they start
# then write reports to files, and the test "sanitizer-reports" (a ctest fixture
# cleanup, run after them) fails if any exists. Without it, a report from a
# daemon that a test only stops with SIGTERM (a leak at exit, an error during
# shutdown) would go unnoticed: the tests do not look at those exit codes.

string(TOLOWER "${EGD_SANITIZE}" _egd_sanitize)
if(_egd_sanitize MATCHES "^(address|on|yes|true|1)$")
  set(EGD_SANITIZER address)
elseif(_egd_sanitize STREQUAL "thread")
  set(EGD_SANITIZER thread)
elseif(_egd_sanitize MATCHES "^(off|no|false|0|)$")
  set(EGD_SANITIZER "")
else()
  message(FATAL_ERROR "EGD_SANITIZE=${EGD_SANITIZE}: expected OFF, address or thread")
endif()

set(EGD_SANITIZER_REPORT_DIR ${CMAKE_BINARY_DIR}/sanitizer-reports)

if(EGD_SANITIZER STREQUAL "address")
  # float-cast-overflow (an out-of-range double -> integer conversion, UB) is not
  # part of GCC's -fsanitize=undefined. _GLIBCXX_ASSERTIONS adds libstdc++'s bounds
  # checks (operator[] within capacity, front() of an empty container), which ASan
  # cannot see inside a vector's spare capacity.
  set(_egd_san_flags -fsanitize=address,undefined,float-cast-overflow)
  add_compile_options(${_egd_san_flags} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_definitions(_GLIBCXX_ASSERTIONS)
  add_link_options(${_egd_san_flags})
  # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex
  # via Catch2) when instrumenting; the warning stays on in normal builds.
  add_compile_options(-Wno-maybe-uninitialized)
elseif(EGD_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  # GCC 12 warns (-Wtsan) that TSan does not model std::atomic_thread_fence, which
  # Boost.Asio's std_fenced_block runs around every handler it completes. TSan gets
  # that ordering from the scheduler's mutex, which it does see; our code has no fence.
  add_compile_options(-Wno-tsan)
endif()

if(EGD_SANITIZER)
  # Sanitizer builds are test builds: keep assert()'s invariant checks, which the
  # RelWithDebInfo/Release flags (-DNDEBUG, earlier on the command line) turn off.
  add_compile_options(-UNDEBUG)
  add_library(egd_sanitizer_options OBJECT ${CMAKE_CURRENT_LIST_DIR}/sanitizer_options.cc)
  string(TOUPPER "EGD_SANITIZER_${EGD_SANITIZER}" _egd_san_def)
  target_compile_definitions(egd_sanitizer_options PRIVATE ${_egd_san_def})
  # Every target defined after this line (all programs and unit tests) links it.
  link_libraries(egd_sanitizer_options)

  # The fixture around the system tests: empty the report directory before them,
  # fail on any report after them.
  add_test(NAME sanitizer-reports-reset COMMAND ${CMAKE_COMMAND}
    -DACTION=reset -DDIR=${EGD_SANITIZER_REPORT_DIR} -P ${CMAKE_CURRENT_LIST_DIR}/SanitizerReports.cmake)
  add_test(NAME sanitizer-reports COMMAND ${CMAKE_COMMAND}
    -DACTION=check -DDIR=${EGD_SANITIZER_REPORT_DIR} -P ${CMAKE_CURRENT_LIST_DIR}/SanitizerReports.cmake)
  set_tests_properties(sanitizer-reports-reset PROPERTIES FIXTURES_SETUP egd_sanitizer_reports)
  set_tests_properties(sanitizer-reports PROPERTIES FIXTURES_CLEANUP egd_sanitizer_reports)
endif()

# egd_sanitizer_test(NAME): call in the directory that added test NAME. In a
# sanitizer build, the sanitized programs that test starts write their reports to
# ${EGD_SANITIZER_REPORT_DIR}/NAME.<pid> (options appended to the environment's,
# so a test may still add its own); no-op in a normal build.
function(egd_sanitizer_test name)
  if(NOT EGD_SANITIZER)
    return()
  endif()
  set(log "log_path=${EGD_SANITIZER_REPORT_DIR}/${name}")
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT_MODIFICATION
    "ASAN_OPTIONS=string_append::${log}"
    "UBSAN_OPTIONS=string_append::${log}"
    "TSAN_OPTIONS=string_append::${log}")
  set_property(TEST ${name} APPEND PROPERTY FIXTURES_REQUIRED egd_sanitizer_reports)
endfunction()

# TSan and GCC's target_clones (health/sp800_90b.cc, the health tests' hot loops):
# the loader runs the ifunc resolver that picks a clone while it relocates the
# program, before the TSan runtime is initialised, and the resolver's instrumented
# function-entry hook then crashes (egdd and the health tests died with SIGSEGV before
# main). Without entry/exit hooks in that one file the resolver is
# harmless; TSan still checks its memory accesses, only its stack traces skip
# frames in it. (Alternative: no target_clones under __SANITIZE_THREAD__ there.)
if(EGD_SANITIZER STREQUAL "thread")
  function(_egd_tsan_target_clones)
    set_property(SOURCE ${CMAKE_SOURCE_DIR}/health/sp800_90b.cc DIRECTORY ${CMAKE_SOURCE_DIR}/health
      APPEND PROPERTY COMPILE_OPTIONS --param=tsan-instrument-func-entry-exit=0)
  endfunction()
  cmake_language(DEFER CALL _egd_tsan_target_clones)  # health/ is added after this file
endif()
