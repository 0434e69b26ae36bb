# A character-level language model's default run on Debian's fortunes must reach a validation
# loss of MAX_VAL_LOSS nats per character or less, and its samples must be made of real words:
# at least MIN_WORDS_PERCENT of the sampled words of three letters or more occur in the corpus.
# Used for char_lm (one LSTM of 256, 5,000 steps: 1.60 and 75%) and char_gpt (its defaults:
# 1.71, measured 1.686; and 70%, measured 219 of 282 words, 77%).
# Variables: EXE, NAME, FORTUNES_DIR, WORK_DIR, MAX_VAL_LOSS, MIN_WORDS_PERCENT.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

execute_process(COMMAND ${EXE} ${FORTUNES_DIR} --threads 2 WORKING_DIRECTORY ${WORK_DIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NAME} failed (${rc}):\n${out}\n${err}")
endif()
string(REGEX MATCH "final val loss ([0-9.]+)" _ "${out}")
set(val_loss ${CMAKE_MATCH_1})
if(NOT val_loss OR val_loss GREATER MAX_VAL_LOSS)
  message(FATAL_ERROR "validation loss '${val_loss}' is above ${MAX_VAL_LOSS}:\n${out}")
endif()
message(STATUS "final validation loss ${val_loss}")

execute_process(COMMAND ${EXE} --generate 2000 --seed 1 WORKING_DIRECTORY ${WORK_DIR}
                OUTPUT_VARIABLE sample ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NAME} --generate failed (${rc}):\n${err}")
endif()

# The corpus as the trainers read it: the plain files, not fortune's indexes or links.
set(corpus "")
file(GLOB files LIST_DIRECTORIES false ${FORTUNES_DIR}/*)
foreach(f ${files})
  if(NOT f MATCHES "\\.(dat|u8)$" AND NOT IS_SYMLINK ${f})
    file(READ ${f} text)
    string(APPEND corpus " ${text} ")
  endif()
endforeach()

string(REGEX MATCHALL "[A-Za-z]+" words "${sample}")
set(total 0)
set(known 0)
foreach(word ${words})
  string(LENGTH "${word}" length)
  if(length LESS 3)
    continue()
  endif()
  math(EXPR total "${total} + 1")
  string(REGEX MATCH "[^A-Za-z]${word}[^A-Za-z]" hit "${corpus}")
  if(hit)
    math(EXPR known "${known} + 1")
  endif()
endforeach()
math(EXPR percent "100 * ${known} / (${total} + 1)")
message(STATUS "${known} of ${total} sampled words occur in the corpus")
if(percent LESS MIN_WORDS_PERCENT)
  message(FATAL_ERROR "only ${known} of ${total} sampled words are real words:\n${sample}")
endif()
