# `inflight new-driver` writes a skeleton that compiles as it is: CLI writes it into TMP,
# then CXX checks it (and the registry's use of it) with the project's include paths.
file(REMOVE ${TMP}/ctest_skeleton.h)
execute_process(COMMAND ${CLI} new-driver ctest_skeleton --out ${TMP}/ctest_skeleton.h
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "new-driver: exit ${rc}\n${out}${err}")
endif()
file(WRITE ${TMP}/ctest_skeleton.cc
     "#include \"ctest_skeleton.h\"\n#include <memory>\n"
     "std::unique_ptr<inflight::Driver> make(inflight::DriverEnv env) {\n"
     "  return std::make_unique<inflight::review::ctest_skeleton>(env);\n}\n")
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I${SRC} -I${TMP}
                        ${TMP}/ctest_skeleton.cc
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the skeleton does not compile:\n${out}${err}")
endif()
# Written once: a second new-driver to the same file is refused (exit 2), nothing lost.
execute_process(COMMAND ${CLI} new-driver ctest_skeleton --out ${TMP}/ctest_skeleton.h
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "exists: not overwritten")
  message(FATAL_ERROR "an existing file was not refused: exit ${rc}\n${err}")
endif()
