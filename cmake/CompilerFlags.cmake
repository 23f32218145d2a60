# Warnings, whether they are errors, and what each supported compiler needs
# (GCC 12 and clang 14 on Debian 12; README.md, "Building").
#
# EGD_WERROR: AUTO (default), ON or OFF. AUTO makes warnings errors in developer
# builds (no build type, RelWithDebInfo, Debug): scripts/test, the sanitizer
# builds, CI. It leaves them warnings where a build type says release or a
# distribution's own flags: Release, MinSizeRel, and None (what debhelper and
# Arch pass along with their CFLAGS): another compiler version may warn about
# new things, and that must not stop a package from building. ON/OFF decide
# outright; CMake's `cmake --compile-no-warning-as-error` overrides either.
# CI compiles the Release build with ON (scripts/build-release).

set(EGD_WERROR AUTO CACHE STRING
    "Warnings as errors: AUTO (ON except for Release, MinSizeRel and None builds), ON or OFF")
set_property(CACHE EGD_WERROR PROPERTY STRINGS AUTO ON OFF)

string(TOUPPER "${EGD_WERROR}" _egd_werror)
string(TOUPPER "${CMAKE_BUILD_TYPE}" _egd_build_type)
if(_egd_werror STREQUAL "AUTO")
  if(_egd_build_type MATCHES "^(RELEASE|MINSIZEREL|NONE)$")
    set(_egd_werror OFF)
  else()
    set(_egd_werror ON)
  endif()
elseif(NOT _egd_werror MATCHES "^(ON|OFF|YES|NO|TRUE|FALSE|1|0)$")
  message(FATAL_ERROR "EGD_WERROR=${EGD_WERROR}: expected AUTO, ON or OFF")
endif()
# Initialises COMPILE_WARNING_AS_ERROR (-Werror) of every target defined after this.
set(CMAKE_COMPILE_WARNING_AS_ERROR ${_egd_werror})
message(STATUS "Warnings as errors: ${_egd_werror} (EGD_WERROR=${EGD_WERROR}, build type ${CMAKE_BUILD_TYPE})")

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)

if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
  # GCC 12's middle-end warnings misfire inside libstdc++ code inlined at -O3 (the
  # Release build); none of these happen at -O2 (RelWithDebInfo, Debian's flags).
  # -Wrestrict: `"'" + std::string(x)` (operator+ -> insert -> _M_replace) and
  # assigning a literal to a std::string are reported as a memcpy of 2^63 bytes
  # overlapping itself: a dozen places in programs and unit tests.
  # https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329 and
  # https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105651 (also seen in 13 and 14).
  # -Wstringop-overread: std::set<std::vector<uint8_t>>::insert compares keys
  # with a memcmp whose length GCC believes may exceed 2^63 (a firmware unit
  # test; a 15-line file with that one call reproduces it).
  # What these two would find for real, an overlapping copy or a read past a
  # buffer, ASan reports at run time (memcpy-param-overlap, *-buffer-overflow) in
  # the CI run under ASan and in the fuzzers.
  add_compile_options(-Wno-restrict -Wno-stringop-overread)
endif()

if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 14)
  # Boost 1.74's Asio enables co_await under clang only when libc++'s
  # <experimental/coroutine> exists; with libstdc++ (Debian's default) clang 14
  # has C++20 coroutines all the same (<coroutine>, which Asio then includes).
  # Without this, asio::awaitable is missing (bench/). Asio leaves an existing
  # definition alone, so newer Boost versions are unaffected.
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1)
endif()
