# End-to-end test of the Fashion-MNIST trainer's --autocast on a small subset (seconds): with
# bf16 (and with f16, which also scales the loss) two epochs of the MLP and one of the CNN
# lower the loss and beat chance, and 1 and 2 threads print the same losses; the float32
# checkpoint it writes evaluates without --autocast. Variables: EXE, DATA_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(common --limit-train 1280 --limit-test 400 --batch-size 32 --data-dir ${DATA_DIR})

function(run_trainer out_var)
  execute_process(COMMAND ${EXE} ${common} ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trainer ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

function(epoch_line out text epoch)
  string(REGEX MATCH "epoch ${epoch}  train loss [0-9.]+  train acc [0-9.]+%  test loss [0-9.]+  test acc [0-9.]+%" line "${text}")
  if(NOT line)
    message(FATAL_ERROR "no line for epoch ${epoch} in:\n${text}")
  endif()
  set(${out} "${line}" PARENT_SCOPE)
endfunction()

function(check_learns text last_epoch what)
  epoch_line(first "${text}" 1)
  epoch_line(last "${text}" ${last_epoch})
  string(REGEX MATCH "test loss ([0-9.]+)" _ "${first}")
  set(loss1 ${CMAKE_MATCH_1})
  string(REGEX MATCH "test loss ([0-9.]+)" _ "${last}")
  if(last_epoch GREATER 1 AND NOT CMAKE_MATCH_1 LESS loss1)
    message(FATAL_ERROR "${what}: the test loss went from ${loss1} to ${CMAKE_MATCH_1}:\n${text}")
  endif()
  string(REGEX MATCH "test acc ([0-9.]+)%" _ "${last}")
  if(CMAKE_MATCH_1 LESS 50)
    message(FATAL_ERROR "${what}: test accuracy ${CMAKE_MATCH_1}%, it does not learn:\n${text}")
  endif()
endfunction()

# bf16 products run on oneDNN in chunks fixed by the shapes, so 1 and 2 threads must print the
# same losses; f16 products run the float32 kernels, whose thread invariance the linalg tests
# cover, so f16 runs once.
foreach(precision bf16 f16)
  run_trainer(two --autocast ${precision} --epochs 2 --threads 2 --checkpoint ${precision}.ckpt
              --curves ${precision})
  check_learns("${two}" 2 "MLP --autocast ${precision}")
  if(precision STREQUAL "bf16")
    run_trainer(one --autocast ${precision} --epochs 2 --threads 1 --checkpoint ${precision}1.ckpt
                --curves ${precision}1)
    epoch_line(last2 "${two}" 2)
    epoch_line(last1 "${one}" 2)
    if(NOT last2 STREQUAL last1)
      message(FATAL_ERROR "--autocast ${precision}: 1 and 2 threads differ:\n  ${last2}\n  ${last1}")
    endif()
  endif()
  run_trainer(eval --evaluate --checkpoint ${precision}.ckpt)
  if(NOT eval MATCHES "test acc")
    message(FATAL_ERROR "the --autocast ${precision} checkpoint did not evaluate:\n${eval}")
  endif()
endforeach()
run_trainer(cnn --model cnn_small --autocast bf16 --epochs 1 --checkpoint cnn.ckpt --curves cnn)
check_learns("${cnn}" 1 "CNN --autocast bf16")
