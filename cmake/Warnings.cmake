# One interface target carries the project's warning flags; every library links it privately.
add_library(voipscope_warnings INTERFACE)
target_compile_options(voipscope_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough)
if(VOIPSCOPE_WERROR)
  target_compile_options(voipscope_warnings INTERFACE -Werror)
endif()
