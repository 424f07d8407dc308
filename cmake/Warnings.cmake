# One interface target carries the project's warning flags; every library links it privately.
add_library(voipscope_warnings INTERFACE)
target_compile_options(voipscope_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough)
if(VOIPSCOPE_WERROR)
  target_compile_options(voipscope_warnings INTERFACE -Werror)
endif()
# GCC 12 reports -Wrestrict falsely inside libstdc++ for `"literal" + std::string&&` at -O2 (fixed in
# GCC 13); it fires in the release build only and points at no real overlap.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(voipscope_warnings INTERFACE -Wno-restrict)
endif()
