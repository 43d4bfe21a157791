# Flags live on targets, not globally.
function(inflight_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion -Werror)
  if(INFLIGHT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${INFLIGHT_SANITIZE} -fno-sanitize-recover=all
                                             -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${INFLIGHT_SANITIZE})
  endif()
  if(INFLIGHT_FUZZ)
    # Coverage for libFuzzer everywhere the model runs.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# A gtest binary whose tests become CTest cases named <prefix>.<Suite>.<Test>.
function(inflight_gtest name prefix)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE inflight_model GTest::gtest GTest::gtest_main)
  inflight_target_options(${name})
  include(GoogleTest)
  gtest_discover_tests(${name} TEST_PREFIX "${prefix}." DISCOVERY_TIMEOUT 60)
endfunction()
