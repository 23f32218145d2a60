# cmake -DACTION=reset|check -DDIR=<report dir> -P SanitizerReports.cmake
# The ctest fixture of cmake/Sanitizers.cmake.
#   reset: empty DIR. Mode 1777, as /tmp: tests run programs as other users too
#          (in namespaces), and a sanitizer that cannot open its report file dies.
#   check: print every report in DIR (named <test>.<pid>) and fail if there is one.
if(ACTION STREQUAL "reset")
  file(REMOVE_RECURSE "${DIR}")
  file(MAKE_DIRECTORY "${DIR}")
  execute_process(COMMAND chmod 1777 "${DIR}" COMMAND_ERROR_IS_FATAL ANY)
elseif(ACTION STREQUAL "check")
  file(GLOB reports "${DIR}/*")
  list(SORT reports)
  foreach(r IN LISTS reports)
    file(READ "${r}" text)
    get_filename_component(name "${r}" NAME)
    message("==== ${name}\n${text}")
  endforeach()
  list(LENGTH reports n)
  if(n GREATER 0)
    message(FATAL_ERROR "${n} sanitizer report(s) above, in ${DIR}: each file is "
      "named <test>.<pid>, after the test that started the program")
  endif()
  message("no sanitizer reports in ${DIR}")
else()
  message(FATAL_ERROR "ACTION=${ACTION}: expected reset or check")
endif()
