# The Fashion-MNIST trainer's --model cnn at its defaults (4 convolutions with BatchNorm, Adam
# 1e-3, batch 64, 5 epochs, seed 0) must reach the test accuracy the README promises: 91.5% or
# more after the last epoch. Variables: EXE, DATA_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND ${EXE} --model cnn --data-dir ${DATA_DIR} --threads 2
                WORKING_DIRECTORY ${WORK_DIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the CNN's default run failed (${rc}):\n${out}\n${err}")
endif()
string(REGEX MATCH "epoch 5  [^\n]*test acc ([0-9.]+)%" line "${out}")
set(accuracy ${CMAKE_MATCH_1})
if(NOT accuracy OR accuracy LESS 91.5)
  message(FATAL_ERROR "test accuracy '${accuracy}%' after 5 epochs is below 91.5%:\n${out}")
endif()
message(STATUS "${line}")
