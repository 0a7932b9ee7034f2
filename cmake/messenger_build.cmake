# messenger_internal: the INTERFACE target every project target links. It carries the
# language standard, the include root, the warning flags and (optionally) sanitizers.
add_library(messenger_internal INTERFACE)
target_include_directories(messenger_internal INTERFACE "${PROJECT_SOURCE_DIR}")
target_compile_features(messenger_internal INTERFACE cxx_std_20)
target_compile_options(messenger_internal INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wnon-virtual-dtor -Woverloaded-virtual
  $<$<BOOL:${MESSENGER_WERROR}>:-Werror>)
if(MESSENGER_SANITIZERS)
  target_compile_options(messenger_internal INTERFACE
    -fsanitize=${MESSENGER_SANITIZERS} -fno-omit-frame-pointer -fno-sanitize-recover=all
    # g++ 12 reports false -Wmaybe-uninitialized in libstdc++'s <regex> (pulled in by
    # CAF's test engine) once sanitizers are on; every other warning stays an error.
    -Wno-maybe-uninitialized)
  target_link_options(messenger_internal INTERFACE -fsanitize=${MESSENGER_SANITIZERS})
endif()

# messenger_add_test_suites(<exe> <label> suite...): one ctest test per CAF suite.
# A suite `persistence.writer` lives in tests/persistence/writer.cpp. The
# FAIL_REGULAR_EXPRESSION guards against a filter that matched nothing (the CAF 0.17
# runner exits 0 in that case).
function(messenger_add_test_suites target label)
  foreach(suite ${ARGN})
    string(REPLACE "." "/" path "${suite}")
    target_sources(${target} PRIVATE "${PROJECT_SOURCE_DIR}/tests/${path}.cpp")
    add_test(NAME ${suite} COMMAND ${target} -n -r 300 -s "^${suite}$")
    set_tests_properties(${suite} PROPERTIES LABELS "${label}"
                         FAIL_REGULAR_EXPRESSION "suites: +0[^0-9];tests: +0[^0-9]")
  endforeach()
endfunction()
