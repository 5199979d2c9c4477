# Helpers shared by every module's CMakeLists.txt.

macro(anyroam_compile_flags)
  add_compile_options(-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wno-unused-parameter -fstack-protector-strong -fno-strict-aliasing)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_link_options(-pie -Wl,-z,relro -Wl,-z,now)
  if(ANYROAM_SANITIZE OR ANYROAM_FUZZ)
    # FORTIFY and the sanitizers each wrap the same libc calls; keep one.
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
  else()
    add_compile_definitions(_FORTIFY_SOURCE=2)
  endif()
  if(ANYROAM_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "ANYROAM_FUZZ needs clang: -DCMAKE_C_COMPILER=clang")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
  set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O2 -g")
endmacro()

# anyroam_module(NAME [DEPS targets...])
# A static library anyroam_NAME from every *.c of the current directory except
# main.c; an INTERFACE library while the directory has no sources yet.
function(anyroam_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  list(FILTER srcs EXCLUDE REGEX "/main\\.c$")
  if(srcs)
    add_library(anyroam_${name} STATIC ${srcs})
    target_link_libraries(anyroam_${name} PUBLIC ${M_DEPS})
  else()
    add_library(anyroam_${name} INTERFACE)
    target_link_libraries(anyroam_${name} INTERFACE ${M_DEPS})
  endif()
endfunction()

# anyroam_program(NAME OUTPUT DEST bin|sbin [DEPS targets...]): main.c of the current directory.
function(anyroam_program name output)
  cmake_parse_arguments(M "" "DEST" "DEPS" ${ARGN})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
    set_target_properties(${name} PROPERTIES OUTPUT_NAME ${output}
      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
    target_link_libraries(${name} PRIVATE ${M_DEPS})
    install(TARGETS ${name} DESTINATION ${M_DEST})
  endif()
endfunction()
