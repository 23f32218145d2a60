# egd_unit_test(NAME SOURCES... LIBS ...): a Catch2 binary registered with ctest.
include(Catch)

# Catch2's main, compiled once for every test binary: it is the most expensive
# file of the build (about 45 s, 150 s under ASan), and was compiled per binary.
add_library(egd_catch_main OBJECT ${CMAKE_SOURCE_DIR}/common/catch_main.cc)
target_link_libraries(egd_catch_main PUBLIC Catch2::Catch2)

function(egd_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} egd_catch_main)
  # Catch's discovery (below, also after the link) treats a binary that dies while
  # listing its tests as one without tests: they would silently drop out of ctest
  # (this happened in the TSan build). Fail the build instead.
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${name}> -P ${CMAKE_SOURCE_DIR}/cmake/CheckCatchList.cmake
    VERBATIM)
  catch_discover_tests(${name} TEST_PREFIX "${name}:")
endfunction()
