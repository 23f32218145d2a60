# cmake -DEXE=<Catch2 test binary> -P CheckCatchList.cmake
# Fails unless EXE lists its tests and exits normally. Catch2 v2 exits with the
# number of tests listed; a crash gives a signal name ("Segmentation fault").
execute_process(COMMAND "${EXE}" --list-test-names-only
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result MATCHES "^[0-9]+$" OR out STREQUAL "")
  message(FATAL_ERROR "${EXE} --list-test-names-only failed (${result}), so its tests "
    "would not be registered:\n${err}")
endif()
