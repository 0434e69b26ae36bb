# The char-LM trainers with --distributed: 2 processes with --batch-size 8 each report the same
# losses as 1 process with --batch-size 16 (the same rows: each rank takes its half of the
# global batch), only rank 0 prints and writes the checkpoint, and the checkpoint writes text
# on 1 process. Variables: MPIEXEC, EXE, NAME (char_lm or char_gpt), FORTUNES_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(TEXT ${FORTUNES_DIR}/fortunes ${FORTUNES_DIR}/love)  # 45 kB of text
if(NAME STREQUAL "char_lm")
  set(tiny --hidden 32 --embedding 16 --seq-len 16)
else()
  set(tiny --layers 2 --heads 2 --width 32 --context 32 --warmup 10 --lr 3e-3)
endif()
list(APPEND tiny --steps 40 --eval-every 20 --threads 1)

function(run out_var)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out
                  ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# "<prefix> loss X.XXXX" from the output, in units of 1e-4 (CMake compares integers only).
function(loss_after out text prefix)
  string(REGEX MATCH "${prefix} loss ([0-9]+)\\.([0-9][0-9][0-9][0-9])" _ "${text}")
  if("${CMAKE_MATCH_2}" STREQUAL "")
    message(FATAL_ERROR "no '${prefix} loss' in:\n${text}")
  endif()
  math(EXPR value "${CMAKE_MATCH_1} * 10000 + 1${CMAKE_MATCH_2} - 10000")
  set(${out} ${value} PARENT_SCOPE)
endfunction()

run(one ${EXE} ${TEXT} ${tiny} --batch-size 16 --checkpoint one.ckpt --curves one)
run(two ${MPIEXEC} --oversubscribe --allow-run-as-root -np 2 ${EXE} ${TEXT} ${tiny}
    --batch-size 8 --distributed --checkpoint two.ckpt --curves two)
string(REGEX MATCHALL "step 40  train loss" reports "${two}")
list(LENGTH reports n)
if(NOT n EQUAL 1 OR NOT two MATCHES "distributed: 2 processes")
  message(FATAL_ERROR "expected one report, from rank 0 of 2 processes:\n${two}")
endif()
foreach(f two.ckpt two.csv two.svg)
  if(NOT EXISTS ${WORK_DIR}/${f})
    message(FATAL_ERROR "${NAME} --distributed did not write ${f}")
  endif()
endforeach()
# Averaged gradients of two halves against the gradient of the whole batch: the same numbers
# up to rounding (allowed: 2e-4 of loss at 4 decimals).
foreach(prefix "step 20  train" "step 40  train" "final val")
  loss_after(a "${one}" "${prefix}")
  loss_after(b "${two}" "${prefix}")
  math(EXPR diff "${a} - ${b}")
  if(diff GREATER 2 OR diff LESS -2)
    message(FATAL_ERROR "${prefix} loss differs: 1 process x 16 vs 2 processes x 8:\n"
                        "${one}\n---\n${two}")
  endif()
endforeach()

run(text ${EXE} --generate 20 --prompt "The " --checkpoint two.ckpt --seed 7)
if(NOT text MATCHES "^The ")
  message(FATAL_ERROR "--generate from the distributed checkpoint failed:\n${text}")
endif()
message("${NAME} distributed checks passed")
