# Runs one libFuzzer target for a bounded time on a writable copy of its
# seed corpus, so that ctest can run fuzzing like any other test. Called by
# tests/fuzz/CMakeLists.txt with -DFUZZER= -DSEEDS= -DCORPUS= -DARTIFACTS=
# -DSECONDS=. Crash inputs are left in ARTIFACTS.
file(REMOVE_RECURSE ${CORPUS})
file(MAKE_DIRECTORY ${CORPUS} ${ARTIFACTS})
file(GLOB seeds ${SEEDS}/*)
file(COPY ${seeds} DESTINATION ${CORPUS})
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -max_len=16384 -timeout=10
          -rss_limit_mb=4096 -print_final_stats=1
          -artifact_prefix=${ARTIFACTS}/ ${CORPUS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); crash inputs in ${ARTIFACTS}")
endif()
