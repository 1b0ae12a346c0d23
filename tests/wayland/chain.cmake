# The transport chain: appvm-wayland-relay's tests, and the colour client the
# vm_wayland test (tests/vm) runs inside the guest.

appvm_unit_test(test_relay_opts SOURCES test_relay_opts.c LIBS appvm_relay_core)
# The real binary with a unix: target (no vsock on a development machine).
appvm_unit_test(test_relay_run SOURCES test_relay_run.c LIBS appvm_common)
set_tests_properties(test_relay_run PROPERTIES TIMEOUT 120
  ENVIRONMENT "RELAY_BIN=$<TARGET_FILE:appvm-wayland-relay>")
