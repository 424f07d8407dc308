# Third-party libraries, all from Debian packages (scripts/install-deps.sh).
# With VOIPSCOPE_STATIC the static archive is preferred so the release binary copies to another machine.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(fmt REQUIRED)              # used header-only: Debian ships no libfmt.a
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL REQUIRED)

function(voipscope_find_lib var)
  cmake_parse_arguments(A "" "" "NAMES" ${ARGN})
  set(names ${A_NAMES})
  if(VOIPSCOPE_STATIC)
    set(static_names)
    foreach(n IN LISTS names)
      list(APPEND static_names lib${n}.a)
    endforeach()
    set(names ${static_names} ${names})
  endif()
  find_library(${var} NAMES ${names} REQUIRED)
  message(STATUS "voipscope: ${var} = ${${var}}")
endfunction()

voipscope_find_lib(VOIPSCOPE_CARES_LIB NAMES cares)
voipscope_find_lib(VOIPSCOPE_YAMLCPP_LIB NAMES yaml-cpp)
voipscope_find_lib(VOIPSCOPE_SQLITE_LIB NAMES sqlite3)
voipscope_find_lib(VOIPSCOPE_ZLIB_LIB NAMES z)  # gzip-compressed captures (zlib1g-dev)
find_path(VOIPSCOPE_ASIO_INCLUDE asio.hpp REQUIRED)
find_path(VOIPSCOPE_CARES_INCLUDE ares.h REQUIRED)
find_path(VOIPSCOPE_YAMLCPP_INCLUDE yaml-cpp/yaml.h REQUIRED)
find_path(VOIPSCOPE_SQLITE_INCLUDE sqlite3.h REQUIRED)
find_path(VOIPSCOPE_ZLIB_INCLUDE zlib.h REQUIRED)

add_library(vs_asio INTERFACE)
target_include_directories(vs_asio SYSTEM INTERFACE ${VOIPSCOPE_ASIO_INCLUDE})
# Asio picks aligned_alloc or operator new per translation unit depending on include order, so one TU may
# free with std::free what another allocated with new: ASan aborts (alloc-dealloc-mismatch). One path only.
target_compile_definitions(vs_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED ASIO_DISABLE_STD_ALIGNED_ALLOC)
target_link_libraries(vs_asio INTERFACE Threads::Threads)

add_library(vs_cares INTERFACE)
target_include_directories(vs_cares SYSTEM INTERFACE ${VOIPSCOPE_CARES_INCLUDE})
target_link_libraries(vs_cares INTERFACE ${VOIPSCOPE_CARES_LIB})
if(VOIPSCOPE_STATIC)
  target_compile_definitions(vs_cares INTERFACE CARES_STATICLIB)
endif()

add_library(vs_yamlcpp INTERFACE)
target_include_directories(vs_yamlcpp SYSTEM INTERFACE ${VOIPSCOPE_YAMLCPP_INCLUDE})
target_link_libraries(vs_yamlcpp INTERFACE ${VOIPSCOPE_YAMLCPP_LIB})

add_library(vs_sqlite INTERFACE)
target_include_directories(vs_sqlite SYSTEM INTERFACE ${VOIPSCOPE_SQLITE_INCLUDE})
target_link_libraries(vs_sqlite INTERFACE ${VOIPSCOPE_SQLITE_LIB} ${CMAKE_DL_LIBS} Threads::Threads)

add_library(vs_openssl INTERFACE)
if(VOIPSCOPE_STATIC)
  voipscope_find_lib(VOIPSCOPE_SSL_LIB NAMES ssl)
  voipscope_find_lib(VOIPSCOPE_CRYPTO_LIB NAMES crypto)
  target_include_directories(vs_openssl SYSTEM INTERFACE ${OPENSSL_INCLUDE_DIR})
  target_link_libraries(vs_openssl INTERFACE ${VOIPSCOPE_SSL_LIB} ${VOIPSCOPE_CRYPTO_LIB} ${CMAKE_DL_LIBS} Threads::Threads)
else()
  target_link_libraries(vs_openssl INTERFACE OpenSSL::SSL OpenSSL::Crypto)
endif()

add_library(vs_fmt INTERFACE)
target_link_libraries(vs_fmt INTERFACE fmt::fmt-header-only)

add_library(vs_zlib INTERFACE)
target_include_directories(vs_zlib SYSTEM INTERFACE ${VOIPSCOPE_ZLIB_INCLUDE})
target_link_libraries(vs_zlib INTERFACE ${VOIPSCOPE_ZLIB_LIB})

# The memory allocator of the voipscope binary. The capture analysis allocates and frees small blocks on
# two threads, and at the end of a file one thread frees what the other allocated: with glibc's malloc
# that went through the other thread's arena under its lock and `calls` on 50 000 calls took 0.53 s;
# with jemalloc (libjemalloc-dev) 0.38 s. Not with sanitizers, which bring their own allocator.
if(VOIPSCOPE_SANITIZE OR VOIPSCOPE_FUZZ)
  set(VOIPSCOPE_JEMALLOC_DEFAULT OFF)
else()
  set(VOIPSCOPE_JEMALLOC_DEFAULT ON)
endif()
option(VOIPSCOPE_JEMALLOC "Link jemalloc into the voipscope binary" ${VOIPSCOPE_JEMALLOC_DEFAULT})
add_library(vs_allocator INTERFACE)
if(VOIPSCOPE_JEMALLOC)
  if(VOIPSCOPE_STATIC)
    # The PIC archive: the executable is position-independent.
    find_library(VOIPSCOPE_JEMALLOC_LIB NAMES libjemalloc_pic.a REQUIRED)
  else()
    find_library(VOIPSCOPE_JEMALLOC_LIB NAMES jemalloc REQUIRED)
  endif()
  message(STATUS "voipscope: VOIPSCOPE_JEMALLOC_LIB = ${VOIPSCOPE_JEMALLOC_LIB}")
  target_link_libraries(vs_allocator INTERFACE ${VOIPSCOPE_JEMALLOC_LIB} ${CMAKE_DL_LIBS} Threads::Threads)
endif()
