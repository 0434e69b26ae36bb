# The Fashion-MNIST trainer's answers to the mistakes a new user makes: each must exit non-zero
# with a message in words. Variables: EXE, DATA_DIR, WORK_DIR. The checks after the command
# line ones need the dataset and are skipped without it.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# Runs the trainer and expects a failure whose output matches `pattern`.
function(expect_failure pattern)
  execute_process(COMMAND ${EXE} ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(FATAL_ERROR "trainer ${ARGN} succeeded; expected an error:\n${out}\n${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "trainer ${ARGN}: no '${pattern}' in:\n${out}\n${err}")
  endif()
  string(LENGTH "${out}${err}" n)
  if(n GREATER 2000)
    message(FATAL_ERROR "trainer ${ARGN}: ${n} characters of output for one mistake")
  endif()
endfunction()

expect_failure("--epochs: must be a whole number of 1 or more, got '0'" --epochs 0)
expect_failure("--epochs: must be a whole number of 1 or more, got 'abc'" --epochs abc)
expect_failure("--batch-size: must be a whole number of 1 or more, got '0'" --batch-size 0)

if(NOT EXISTS ${DATA_DIR}/t10k-labels-idx1-ubyte.gz)
  message("the dataset is not installed: only the command-line checks ran")
  return()
endif()
set(common --limit-train 300 --limit-test 100 --batch-size 50 --data-dir ${DATA_DIR})

# A checkpoint that cannot be written is found before training.
expect_failure("folder .*does not exist or is not writable" ${common}
               --checkpoint ${WORK_DIR}/no/such/folder/run.ckpt)
file(MAKE_DIRECTORY ${WORK_DIR}/adir)
expect_failure("'adir' is a directory" ${common} --checkpoint adir)
expect_failure("'adir' is a directory, not a checkpoint file" ${common} --checkpoint adir
               --evaluate)

# --resume with nothing left to train.
execute_process(COMMAND ${EXE} ${common} --epochs 1 --checkpoint done.ckpt --curves done
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "a 1-epoch run failed")
endif()
expect_failure("has already trained 1 epochs and --epochs is 1: nothing left to train" ${common}
               --epochs 1 --checkpoint done.ckpt --curves done --resume)

# A diverging run stops with an error and keeps the last good checkpoint at its path.
file(COPY_FILE ${WORK_DIR}/done.ckpt ${WORK_DIR}/diverge.ckpt)
file(SHA256 ${WORK_DIR}/diverge.ckpt before)
expect_failure("training diverged" ${common} --epochs 2 --checkpoint diverge.ckpt
               --curves diverge --optimizer sgd --lr 1e30 --momentum 5)
file(SHA256 ${WORK_DIR}/diverge.ckpt after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "the diverging run overwrote the last good checkpoint")
endif()
message("all trainer mistakes are reported in words")
