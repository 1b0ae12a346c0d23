# Guest programs: what we write that runs inside a VM. The images get them
# linked statically against musl; the glibc builds of the same targets serve
# unit tests, sanitizers and fuzzing. docs/building.md, "Guest programs".
#
# appvm_guest_program(TARGET...)
#   Declares executables as guest programs, next to their add_executable().
#   That one line is all a new program needs: the musl build builds it, the
#   image manifest lists it, and the static check (vm_static) checks it.
# appvm_guest_file(VAR TARGET)
#   Sets VAR to the file the images use for TARGET (a path with generator
#   expressions: for test COMMAND and ENVIRONMENT).
#
# The trees:
# - APPVM_MUSL=ON (default in a normal build): this tree nests a second
#   build of the same sources in BUILD/musl with cmake/musl.cmake (musl-gcc,
#   static), libraries from scripts/musl-deps in BUILD/musl-deps. It is part
#   of `all`, so the images never use stale programs.
# - The nested tree itself (APPVM_MUSL_TREE, set by cmake/musl.cmake): target
#   appvm-guest-programs builds the guest programs and what they link,
#   appvm-musl-all that and appvm-musl-libcheck; no tests (BUILD_TESTING=OFF).
# - APPVM_MUSL=OFF (forced with sanitizers and fuzzing): the images use this
#   tree's own (glibc) programs.
# Every tree writes BUILD/guest-programs.txt, one "NAME PATH" line per guest
# program: the file the images use (scripts and benchmarks read it).

option(APPVM_MUSL "Build the guest programs for images statically with musl (nested build in BUILD/musl)" ON)
if(APPVM_SANITIZE OR APPVM_FUZZ OR APPVM_MUSL_TREE)
  set(APPVM_MUSL OFF)
endif()

add_custom_target(appvm-guest-programs)

function(appvm_guest_program)
  foreach(target ${ARGN})
    set_property(GLOBAL APPEND PROPERTY APPVM_GUEST_PROGRAMS ${target})
    add_dependencies(appvm-guest-programs ${target})
  endforeach()
endfunction()

if(APPVM_MUSL_TREE)
  # Static libraries only, and no build path in the programs: the images
  # are the same whichever directory they were built in.
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  add_compile_options(-ffile-prefix-map=${PROJECT_SOURCE_DIR}/= -ffile-prefix-map=${PROJECT_BINARY_DIR}/=
                      -ffile-prefix-map=${APPVM_MUSL_PREFIX}/=musl-deps/)
  # Static whatever CMAKE_EXE_LINKER_FLAGS says. Every function and object
  # in its own section, so that the link keeps only what is used. Code and
  # read-only data in one segment (noseparate-code): 2 LOAD segments instead
  # of 4, so each exec maps and faults less (docs/benchmarks.md, "Boot").
  add_compile_options(-ffunction-sections -fdata-sections)
  add_link_options(-static -Wl,--gc-sections -Wl,-z,noseparate-code)
  # What the nested build builds: the guest programs, and
  # appvm-musl-libcheck (tests/musl), which links and uses every library of
  # the musl prefix, also those no guest program links yet.
  add_custom_target(appvm-musl-all)
  add_dependencies(appvm-musl-all appvm-guest-programs)
  function(appvm_musl_libcheck)
    pkg_check_modules(APPVM_LIBCHECK_DBUS REQUIRED IMPORTED_TARGET dbus-1)
    add_executable(appvm-musl-libcheck ${PROJECT_SOURCE_DIR}/tests/musl/libcheck.c)
    target_link_libraries(appvm-musl-libcheck PRIVATE PkgConfig::INIH PkgConfig::WAYLAND_CLIENT
                          PkgConfig::FUSE3 PkgConfig::APPVM_LIBCHECK_DBUS)
    add_dependencies(appvm-musl-all appvm-musl-libcheck)
  endfunction()
  cmake_language(DEFER CALL appvm_musl_libcheck)
endif()

if(APPVM_MUSL)
  include(ExternalProject)
  set(APPVM_GUEST_BINARY_DIR ${CMAKE_BINARY_DIR}/musl)
  set(appvm_musl_prefix ${CMAKE_BINARY_DIR}/musl-deps)
  # Runs on every build: a check of the cache key when nothing changed.
  add_custom_target(appvm-musl-deps
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/musl-deps ${appvm_musl_prefix}
    COMMENT "musl libraries (scripts/musl-deps)" VERBATIM)
  # $(MAKE) shares the jobserver of the outer make.
  if(CMAKE_GENERATOR MATCHES "Makefiles")
    set(appvm_musl_build "$(MAKE)" appvm-musl-all)
  else()
    set(appvm_musl_build ${CMAKE_COMMAND} --build <BINARY_DIR> --target appvm-musl-all)
  endif()
  ExternalProject_Add(appvm-musl
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${APPVM_GUEST_BINARY_DIR}
    PREFIX ${CMAKE_BINARY_DIR}/musl-ep
    CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/musl.cmake
               -DAPPVM_MUSL_PREFIX=${appvm_musl_prefix}
               -DBUILD_TESTING=OFF
               -DAPPVM_WERROR=${APPVM_WERROR}
               -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    BUILD_COMMAND ${appvm_musl_build}
    BUILD_ALWAYS ON
    INSTALL_COMMAND ""
    DEPENDS appvm-musl-deps)
endif()

function(appvm_guest_file var target)
  if(APPVM_MUSL)
    get_target_property(dir ${target} BINARY_DIR)
    file(RELATIVE_PATH rel ${CMAKE_BINARY_DIR} ${dir})
    set(${var} "${APPVM_GUEST_BINARY_DIR}/${rel}/$<TARGET_FILE_NAME:${target}>" PARENT_SCOPE)
  else()
    set(${var} "$<TARGET_FILE:${target}>" PARENT_SCOPE)
  endif()
endfunction()

# Tests that run our programs outside a VM run them twice when the images
# have their own builds: once as this tree built them and once as the images
# get them. They loop over the variants
#   foreach(v "" ${APPVM_MUSL_VARIANT})      # "" and, with APPVM_MUSL, "_musl"
# and take each program's file with appvm_variant_file(VAR TARGET "${v}").
if(APPVM_MUSL)
  set(APPVM_MUSL_VARIANT _musl)
else()
  set(APPVM_MUSL_VARIANT "")
endif()
function(appvm_variant_file var target variant)
  if(variant STREQUAL "")
    set(${var} "$<TARGET_FILE:${target}>" PARENT_SCOPE)
  else()
    appvm_guest_file(file ${target})
    set(${var} "${file}" PARENT_SCOPE)
  endif()
endfunction()

# At the end of the top-level directory, once every program is declared.
function(appvm_guest_write_manifest)
  get_property(targets GLOBAL PROPERTY APPVM_GUEST_PROGRAMS)
  set(lines "")
  foreach(target ${targets})
    appvm_guest_file(file ${target})
    string(APPEND lines "$<TARGET_FILE_NAME:${target}> ${file}\n")
  endforeach()
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/guest-programs.txt CONTENT "${lines}")
endfunction()
cmake_language(DEFER CALL appvm_guest_write_manifest)
