# egd_unit_test(NAME SOURCES... LIBS ...): a Catch2 binary registered with ctest.
include(Catch)
function(egd_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${CMAKE_SOURCE_DIR}/common/catch_main.cc ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} Catch2::Catch2)
  catch_discover_tests(${name} TEST_PREFIX "${name}:")
endfunction()
