# Runs CMD ARGS; passes when it exits 0 and its stdout equals the file EXPECTED.
execute_process(COMMAND ${CMD} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit ${rc}\nstderr: ${err}")
endif()
file(READ ${EXPECTED} expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "output differs from ${EXPECTED}; regenerate it with: ${CMD} ${ARGS} > ${EXPECTED}")
endif()
