# Toolchain for the guest programs of the images: musl-gcc, everything
# linked statically, libraries only from the musl prefix that
# scripts/musl-deps builds (and musl's own). Used by the nested build that
# cmake/guest.cmake sets up (BUILD/musl), or by hand:
#
#   scripts/musl-deps build/musl-deps
#   cmake -S . -B build/musl --toolchain cmake/musl.cmake \
#         -DAPPVM_MUSL_PREFIX=$PWD/build/musl-deps -DBUILD_TESTING=OFF
#   cmake --build build/musl --target appvm-guest-programs

set(CMAKE_C_COMPILER musl-gcc)
# Inside this tree (cmake/guest.cmake reads it).
set(APPVM_MUSL_TREE ON)

# try_compile projects read this file again: give them the prefix too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES APPVM_MUSL_PREFIX)
if(NOT IS_ABSOLUTE "${APPVM_MUSL_PREFIX}" OR NOT EXISTS "${APPVM_MUSL_PREFIX}/lib/pkgconfig/inih.pc")
  message(FATAL_ERROR "APPVM_MUSL_PREFIX='${APPVM_MUSL_PREFIX}' is not the absolute path of a prefix "
                      "made by scripts/musl-deps: run 'scripts/musl-deps DIR' and pass -DAPPVM_MUSL_PREFIX=DIR")
endif()

# musl-gcc does not search /usr/include: the prefix has the kernel headers
# (linux/, asm/, asm-generic/) and the libraries' headers.
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${APPVM_MUSL_PREFIX}/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# pkg-config sees only the prefix (and data-only packages such as
# wayland-protocols), never the host's glibc libraries.
set(ENV{PKG_CONFIG_LIBDIR} "${APPVM_MUSL_PREFIX}/lib/pkgconfig:/usr/share/pkgconfig")
# find_library (FindPkgConfig resolves each -lNAME with it) looks in the
# prefix and musl's directory before anything else, and never in the host's
# library directories.
set(CMAKE_LIBRARY_PATH "${APPVM_MUSL_PREFIX}/lib" /usr/lib/x86_64-linux-musl)
set(CMAKE_IGNORE_PATH /lib /lib64 /usr/lib /usr/lib64 /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu
                      /usr/local/lib)
