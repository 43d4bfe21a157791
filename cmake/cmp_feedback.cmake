# Comparison feedback (libFuzzer's trace-cmp) only where it steers the search.
#
# trace-cmp callbacks were 53-63% of the instructions inside the fuzz entry point, mostly
# from the oracle's and the checks' scans over fixed tables: comparisons of slot states
# against constants, the same on every execution, which tell libFuzzer nothing about the
# input. With INFLIGHT_CMP_FEEDBACK=decisions (the campaign preset):
# - model/oracle/*.cc is built without trace-cmp; its edges stay (what happened to a page
#   or a mapping is a branch there);
# - the scans (cmp_ignorelist.txt: the per-event and final checks, the oracle's table
#   walks instantiated in other files) get no coverage instrumentation at all;
# - INFLIGHT_QUIET helpers (model/core/assert.h: MODEL_ASSERT, the tracing flag, the bug
#   set) stay out of line and uninstrumented: they were about a third of the remaining
#   callbacks, and inlined they could not be listed by name.
# The decoder and every model decision keep full instrumentation.
#
# Also, in that build, no callback that only feeds libFuzzer's value profile, which is off
# unless -use_value_profile=1 (the campaign never passes it): libFuzzer records a
# comparison of 1 or 2 bytes, and an indirect call, in that profile alone. Those were 16%
# of a campaign execution's CPU (page_pool). A comparison of 4 or 8 bytes also goes into
# the table of recent comparisons that steers mutations, and keeps its callback. So
# - indirect calls are not instrumented (-fno-sanitize-coverage=indirect-calls);
# - the 1- and 2-byte comparison callbacks are linked to empty ones
#   (cmp_callbacks.cc, through the linker's --wrap).
# libFuzzer's choices stay the same: with these wrappers calling libFuzzer's own callbacks
# instead, a seed grows the same corpus and finds a variant after the same executions.
# A campaign fuzzer refuses -use_value_profile=1 (fuzzers/fuzz_support.cc).
# The 4- and 8-byte callbacks are wrapped too, and pass on to the table only the
# comparisons a mutation can use (cmp_callbacks.cc: operands that differ, a
# constant other than 0).

# inflight_cmp_ignorelist(TARGET): TARGET's sources built with cmp_ignorelist.txt (with
# INFLIGHT_CMP_FEEDBACK=decisions; the model's layers here, the fuzzers' support library in
# fuzzers/CMakeLists.txt).
function(inflight_cmp_ignorelist target)
  if(NOT INFLIGHT_FUZZ OR NOT INFLIGHT_CMP_FEEDBACK STREQUAL "decisions")
    return()
  endif()
  set(ignorelist ${PROJECT_SOURCE_DIR}/cmake/cmp_ignorelist.txt)
  target_compile_options(${target} PRIVATE -fsanitize-coverage-ignorelist=${ignorelist})
  # The compiler does not name the list among a source's dependencies: without this, an
  # edited list left the objects built with the old one.
  get_target_property(sources ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  list(TRANSFORM sources PREPEND ${dir}/ REGEX "^[^/]")
  set_source_files_properties(${sources} TARGET_DIRECTORY ${target}
                              PROPERTIES OBJECT_DEPENDS ${ignorelist})
endfunction()
set(INFLIGHT_CMP_FEEDBACK all CACHE STRING "trace-cmp feedback: all, or decisions (none in the oracle and checks)")
set_property(CACHE INFLIGHT_CMP_FEEDBACK PROPERTY STRINGS all decisions)
if(INFLIGHT_FUZZ AND INFLIGHT_CMP_FEEDBACK STREQUAL "decisions")
  file(GLOB oracle_sources ${PROJECT_SOURCE_DIR}/model/oracle/*.cc)
  list(FILTER oracle_sources EXCLUDE REGEX "_test\\.cc$")
  set_source_files_properties(${oracle_sources} DIRECTORY ${PROJECT_SOURCE_DIR}/model
                              PROPERTIES COMPILE_OPTIONS -fno-sanitize-coverage=trace-cmp)
  # Every layer of the model: the checks live in net/ and dma/, the scans in core/.
  # INFLIGHT_QUIET helpers (model/core/assert.h: assertions, run-wide flags) out of line
  # and uninstrumented, in the model and its users.
  # INFLIGHT_NO_VALUE_PROFILE: fuzzers/fuzz_support.cc refuses -use_value_profile=1.
  target_compile_definitions(inflight_model_core PUBLIC INFLIGHT_QUIET_CHECKS INFLIGHT_NO_VALUE_PROFILE)
  target_compile_options(inflight_model_core PUBLIC -fno-sanitize-coverage=indirect-calls)
  add_library(inflight_cmp_callbacks STATIC ${CMAKE_CURRENT_LIST_DIR}/cmp_callbacks.cc)
  target_link_libraries(inflight_model_core PUBLIC inflight_cmp_callbacks)
  foreach(callback IN ITEMS cmp1 cmp2 cmp4 cmp8 const_cmp1 const_cmp2 const_cmp4 const_cmp8)
    target_link_options(inflight_model_core INTERFACE -Wl,--wrap=__sanitizer_cov_trace_${callback})
  endforeach()
  foreach(layer IN LISTS INFLIGHT_MODEL_LAYERS)
    inflight_cmp_ignorelist(${layer})
  endforeach()
elseif(NOT INFLIGHT_CMP_FEEDBACK STREQUAL "all")
  message(FATAL_ERROR "INFLIGHT_CMP_FEEDBACK is all or decisions, not '${INFLIGHT_CMP_FEEDBACK}'")
endif()
