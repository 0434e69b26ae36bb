# The Fashion-MNIST trainer with --distributed: one epoch on 2 processes (only rank 0 prints
# and writes the checkpoint), resumed on 1 process for a second epoch.
# Variables: MPIEXEC, EXE, DATA_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(common --threads 1 --limit-train 2000 --limit-test 500 --data-dir ${DATA_DIR}
           --checkpoint run.ckpt --curves run)

function(run out_var)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out
                  ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

run(two ${MPIEXEC} --oversubscribe --allow-run-as-root -np 2 ${EXE} --distributed --epochs 1
    ${common})
string(REGEX MATCHALL "epoch 1  train loss" lines "${two}")
list(LENGTH lines n)
if(NOT n EQUAL 1 OR NOT two MATCHES "distributed: 2 processes")
  message(FATAL_ERROR "expected one report, from rank 0 of 2 processes:\n${two}")
endif()
if(NOT EXISTS ${WORK_DIR}/run.ckpt)
  message(FATAL_ERROR "no checkpoint written")
endif()

run(one ${EXE} --epochs 2 --resume ${common})
if(NOT one MATCHES "resumed from run.ckpt after epoch 1" OR NOT one MATCHES "epoch 2  train loss")
  message(FATAL_ERROR "resuming on 1 process failed:\n${one}")
endif()
message("distributed trainer checks passed")
