# Flags live on targets, not globally.
function(inflight_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion)
  if(INFLIGHT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 at -O3 reports impossible overlaps inside std::string's operator+
    # (GCC bug 105329); the warning is wrong there and nowhere useful here.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(INFLIGHT_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${INFLIGHT_SANITIZE} -fno-sanitize-recover=all
                                             -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${INFLIGHT_SANITIZE})
  endif()
  if(INFLIGHT_FUZZ)
    # Coverage for libFuzzer everywhere the model runs; executables that are not fuzzers
    # (tests, the CLI) link the coverage callbacks' runtime (without libFuzzer's main).
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    if(NOT INFLIGHT_FUZZ_ONLY)
      target_link_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
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
