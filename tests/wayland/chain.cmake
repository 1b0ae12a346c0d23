# The transport chain: appvm-wayland-relay's tests, and the colour client the
# vm_wayland test (tests/vm) runs inside the guest.

appvm_unit_test(test_relay_opts SOURCES test_relay_opts.c LIBS appvm_relay_core)
# The real binary with a unix: target (no vsock on a development machine).
appvm_unit_test(test_relay_run SOURCES test_relay_run.c LIBS appvm_common)
set_tests_properties(test_relay_run PROPERTIES TIMEOUT 120
  ENVIRONMENT "RELAY_BIN=$<TARGET_FILE:appvm-wayland-relay>")

# vm_color_client: one window of one colour, for exact pixel counts in a
# screenshot of the host compositor (vm_wayland, init_ns_wayland, the demo).
# Built with the host's libc and libwayland-client; images carry it in a
# store with those libraries (rootfs/build --store-libs).
pkg_check_modules(APPVM_WL_PROTOCOLS REQUIRED wayland-protocols)
pkg_get_variable(APPVM_WAYLAND_PROTOCOLS_DIR wayland-protocols pkgdatadir)
find_program(APPVM_WAYLAND_SCANNER wayland-scanner REQUIRED)
set(xdg_xml ${APPVM_WAYLAND_PROTOCOLS_DIR}/stable/xdg-shell/xdg-shell.xml)
set(xdg_gen ${CMAKE_CURRENT_BINARY_DIR}/vm_color_client_gen)
add_custom_command(
  OUTPUT ${xdg_gen}/xdg-shell-client-protocol.h ${xdg_gen}/xdg-shell-protocol.c
  COMMAND ${CMAKE_COMMAND} -E make_directory ${xdg_gen}
  COMMAND ${APPVM_WAYLAND_SCANNER} client-header ${xdg_xml} ${xdg_gen}/xdg-shell-client-protocol.h
  COMMAND ${APPVM_WAYLAND_SCANNER} private-code ${xdg_xml} ${xdg_gen}/xdg-shell-protocol.c
  DEPENDS ${xdg_xml}
  COMMENT "wayland-scanner: xdg-shell for vm_color_client")
add_executable(vm_color_client vm_color_client.c ${xdg_gen}/xdg-shell-protocol.c)
target_include_directories(vm_color_client PRIVATE ${xdg_gen})
target_link_libraries(vm_color_client PRIVATE PkgConfig::WAYLAND_CLIENT)
