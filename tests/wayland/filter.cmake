# The filter (wayland/filter): unit tests of the protocol core, fuzz targets
# of both directions, and the chain test against a headless sway.

add_executable(wlf-client wlf_client.c)
target_link_libraries(wlf-client PRIVATE appvm_wayland_protocols)

add_library(appvm_wayland_harness STATIC harness.c)
target_link_libraries(appvm_wayland_harness PUBLIC appvm_wayland_core)

appvm_unit_test(test_wayland_wire SOURCES test_wayland_wire.c LIBS appvm_wayland_core)
appvm_unit_test(test_wayland_buffer SOURCES test_wayland_buffer.c LIBS appvm_wayland_io)
appvm_unit_test(test_wayland_objects SOURCES test_wayland_objects.c LIBS appvm_wayland_core)
appvm_unit_test(test_wayland_policy SOURCES test_wayland_policy.c LIBS appvm_wayland_core)
appvm_unit_test(test_wayland_host SOURCES test_wayland_host.c LIBS appvm_wayland_harness)
appvm_unit_test(test_wayland_guest SOURCES test_wayland_guest.c LIBS appvm_wayland_harness)
appvm_unit_test(test_wayland_hostile SOURCES test_wayland_hostile.c LIBS appvm_wayland_harness)

# Both directions of the wire: client bytes (the host's untrusted input)
# and upstream bytes. Seeds: gen_corpus.py.
appvm_fuzz_target(wayland_client ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_wayland_client.c
                  appvm_wayland_harness)
appvm_fuzz_target(wayland_upstream ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_wayland_upstream.c
                  appvm_wayland_harness)

# The focus file beside a planted symlink (the real binary, no compositor).
add_test(NAME wayland_focus_file
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/focus-file-test.sh $<TARGET_FILE:appvm-wayland>)
set_tests_properties(wayland_focus_file PROPERTIES LABELS unit TIMEOUT 30)

# The chain against a headless sway, unprivileged through setpriv: label ns
# (needs root). WLF_RELAY may insert a relay between the waypipes.
foreach(case windows isolation clipboard apps lifecycle)
  add_test(NAME wayland_chain_${case} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/chain_test.sh ${case})
  set_tests_properties(wayland_chain_${case} PROPERTIES LABELS ns TIMEOUT 120 SKIP_RETURN_CODE 77
    ENVIRONMENT "FILTER=$<TARGET_FILE:appvm-wayland>;CLIENT=$<TARGET_FILE:wlf-client>")
endforeach()

# scripts/wayland-host killed with SIGKILL (itself, or its parent as run-vm
# is) takes its filter, waypipe client and waypipe's per-connection children
# with it: headless sway as nobody, label ns (needs root).
add_test(NAME wayland_host_kill
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/wayland-host-kill-test.sh
                 $<TARGET_FILE:appvm-wayland> $<TARGET_FILE:vm_color_client>)
set_tests_properties(wayland_host_kill PROPERTIES LABELS ns TIMEOUT 60 SKIP_RETURN_CODE 77)

# Out of fds with no client to leave: listening resumes after 1 s at most.
add_test(NAME wayland_accept_limit
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/accept-limit-test.sh $<TARGET_FILE:appvm-wayland>)
set_tests_properties(wayland_accept_limit PROPERTIES LABELS unit TIMEOUT 30)
