# End-to-end test of the character-level GPT on a small text: the loss falls, the checkpoint,
# curves and text are written, generation with the KV cache gives the same greedy text as
# recomputing the context, and bad input exits non-zero with a message.
# Variables: EXE, FORTUNES_DIR (Debian's fortunes), WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(TEXT ${FORTUNES_DIR}/fortunes ${FORTUNES_DIR}/love)  # 45 kB of text
set(tiny --layers 2 --heads 2 --width 32 --context 32 --batch-size 8 --steps 60 --eval-every 20
         --warmup 10 --lr 3e-3 --threads 2)

function(run_gpt out_var)
  execute_process(COMMAND ${EXE} ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "char_gpt ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(loss_after out text prefix)
  string(REGEX MATCH "${prefix} loss ([0-9.]+)" _ "${text}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "no '${prefix} loss' in:\n${text}")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

run_gpt(trained ${TEXT} ${tiny} --checkpoint gpt.ckpt --curves gpt)
loss_after(val0 "${trained}" "step 0  val")
loss_after(val_end "${trained}" "final val")
loss_after(train_first "${trained}" "step 20  train")
loss_after(train_last "${trained}" "step 60  train")
if(NOT val_end LESS val0 OR NOT train_last LESS train_first)
  message(FATAL_ERROR "the loss did not fall (val ${val0} -> ${val_end}, train ${train_first} -> "
                      "${train_last}):\n${trained}")
endif()
set(held_out 0)
foreach(f ${TEXT})
  file(SIZE ${f} size)
  math(EXPR held_out "${held_out} + ${size} / 10")
endforeach()
if(NOT trained MATCHES "[0-9]+ for training, ${held_out} held out")
  message(FATAL_ERROR "expected ${held_out} bytes held out (10% of each file):\n${trained}")
endif()
foreach(f gpt.ckpt gpt.csv gpt.svg)
  if(NOT EXISTS ${WORK_DIR}/${f})
    message(FATAL_ERROR "char_gpt did not write ${f}")
  endif()
endforeach()

# Greedy text within the context: the KV cache must give what recomputing gives.
run_gpt(cached --generate 20 --prompt "The " --checkpoint gpt.ckpt --temperature 0)
run_gpt(recomputed --generate 20 --prompt "The " --checkpoint gpt.ckpt --temperature 0 --no-cache)
if(NOT cached STREQUAL recomputed)
  message(FATAL_ERROR "KV cache and recomputation differ:\n'${cached}'\n'${recomputed}'")
endif()
# Sampling past the context (the cache restarts), the same text for the same seed.
run_gpt(text1 --generate 80 --prompt "The " --checkpoint gpt.ckpt --seed 7 --top-k 5)
run_gpt(text2 --generate 80 --prompt "The " --checkpoint gpt.ckpt --seed 7 --top-k 5)
string(LENGTH "${text1}" n)
if(NOT text1 MATCHES "^The " OR n LESS 84 OR NOT text1 STREQUAL text2)
  message(FATAL_ERROR "--generate 80: too short or not reproducible:\n'${text1}'\n'${text2}'")
endif()

function(expect_failure pattern)
  execute_process(COMMAND ${EXE} ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0 OR NOT rc MATCHES "^[0-9]+$" OR rc GREATER 127)
    message(FATAL_ERROR "expected a clean failure for ${ARGN}, got '${rc}':\n${out}\n${err}")
  endif()
  if(NOT "${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "message for ${ARGN} lacks '${pattern}':\n${out}\n${err}")
  endif()
endfunction()
string(ASCII 1 ctrl_a)
string(REPEAT "a" 40 long_prompt)
expect_failure("more than the context of 32" --generate 5 --checkpoint gpt.ckpt
               --prompt "${long_prompt}")
expect_failure("not in the vocabulary" --generate 5 --checkpoint gpt.ckpt --prompt "A${ctrl_a}")
expect_failure("no checkpoint" --generate 5 --checkpoint missing.ckpt)
expect_failure("divisible" ${TEXT} --width 32 --heads 3 --context 16 --steps 1)
message("char_gpt checks passed")
