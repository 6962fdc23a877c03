/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Guest settings in the model: wb_vm_apply_guest and its defaults. */
#include "wb-error.h"
#include "wb-model.h"
#include "wb-test-util.h"

static void
apply_ok (WbVm       *vm,
          const char *key,
          guint       slot,
          const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wb_vm_apply_guest (vm, key, slot, value, &error));
  g_assert_no_error (error);
}

/* Fails with @code, names the option, and leaves @vm as it was. */
static void
apply_fails (WbVm       *vm,
             const char *key,
             guint       slot,
             const char *value,
             int         code,
             const char *in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbVm) before = wb_vm_copy (vm);

  g_assert_false (wb_vm_apply_guest (vm, key, slot, value, &error));
  g_assert_error (error, WB_ERROR, code);
  wb_test_assert_message_contains (error, in_message);
  g_assert_cmpmem (vm->guest, sizeof vm->guest, before->guest, sizeof before->guest);
  g_assert_cmpint (vm->ip_forward, ==, before->ip_forward);
  wb_test_assert_services_equal (vm->services, before->services);
}

static void
test_defaults (void)
{
  g_autoptr(WbVm) vm = wb_vm_new ("g");
  g_autoptr(WbVm) copy = NULL;

  for (guint i = 0; i < WB_MAX_ADAPTERS; i++)
    {
      g_assert_true (vm->guest[i].dhcp);
      g_assert_cmpuint (vm->guest[i].gateway, ==, 0);
      g_assert_cmpuint (vm->guest[i].mtu, ==, 0);
      g_assert_false (vm->guest[i].masquerade);
    }
  g_assert_false (vm->ip_forward);
  g_assert_cmpuint (vm->services->len, ==, 2);
  g_assert_cmpuint (g_array_index (vm->services, WbVmService, 0).port, ==, 22);
  g_assert_cmpint (g_array_index (vm->services, WbVmService, 0).kind, ==, WB_VM_SERVICE_SSH);
  g_assert_cmpuint (g_array_index (vm->services, WbVmService, 1).port, ==, 80);
  g_assert_cmpint (g_array_index (vm->services, WbVmService, 1).kind, ==, WB_VM_SERVICE_HTTP);

  copy = wb_vm_copy (vm);
  g_assert_true (copy->services != vm->services);
  g_assert_cmpuint (copy->services->len, ==, 2);
}

static void
test_interface_settings (void)
{
  g_autoptr(WbVm) vm = wb_vm_new ("g");

  apply_ok (vm, "guestip", 1, "192.168.23.2/24");
  g_assert_false (vm->guest[0].dhcp);
  g_assert_cmphex (vm->guest[0].address, ==, 0xc0a81702);
  g_assert_cmpuint (vm->guest[0].prefix, ==, 24);
  apply_ok (vm, "guestgateway", 1, "192.168.23.1");
  g_assert_cmphex (vm->guest[0].gateway, ==, 0xc0a81701);
  apply_ok (vm, "guestgateway", 1, "none");
  g_assert_cmphex (vm->guest[0].gateway, ==, 0);
  apply_ok (vm, "guestmtu", 8, "9000");
  g_assert_cmpuint (vm->guest[7].mtu, ==, 9000);
  apply_ok (vm, "masquerade", 2, "on");
  g_assert_true (vm->guest[1].masquerade);
  apply_ok (vm, "guestip", 1, "DHCP");
  g_assert_true (vm->guest[0].dhcp);

  apply_fails (vm, "guestip", 1, "192.168.23.0/24", WB_ERROR_INVALID_ARGUMENT, "--guestip1");
  apply_fails (vm, "guestip", 1, "192.168.23.255/24", WB_ERROR_INVALID_ARGUMENT, "broadcast");
  apply_fails (vm, "guestip", 1, "192.168.23.2/33", WB_ERROR_INVALID_ARGUMENT, "prefix");
  apply_fails (vm, "guestip", 1, "192.168.23.2", WB_ERROR_INVALID_ARGUMENT, "ADDRESS/PREFIX");
  apply_fails (vm, "guestip", 1, "300.1.1.1/24", WB_ERROR_INVALID_ARGUMENT, "300.1.1.1");
  apply_fails (vm, "guestip", 9, "dhcp", WB_ERROR_INVALID_ARGUMENT, "must be 1 to 8");
  apply_fails (vm, "guestip", 0, "dhcp", WB_ERROR_INVALID_ARGUMENT, "must be 1 to 8");
  apply_fails (vm, "guestgateway", 1, "x", WB_ERROR_INVALID_ARGUMENT, "--guestgateway1");
  apply_fails (vm, "guestmtu", 1, "67", WB_ERROR_INVALID_ARGUMENT, "68 to 9000");
  apply_fails (vm, "guestmtu", 1, "9001", WB_ERROR_INVALID_ARGUMENT, "68 to 9000");
  apply_fails (vm, "masquerade", 1, "maybe", WB_ERROR_INVALID_ARGUMENT, "--masquerade1");
  apply_fails (vm, "guestfoo", 1, "1", WB_ERROR_UNKNOWN_OPTION, "--guestfoo1");
}

static void
test_guest_settings (void)
{
  g_autoptr(WbVm) vm = wb_vm_new ("g");

  apply_ok (vm, "ipforward", 0, "on");
  g_assert_true (vm->ip_forward);
  apply_ok (vm, "service", 0, "tcp:7:echo");
  apply_ok (vm, "service", 0, "tcp:8080:HTTP");
  apply_ok (vm, "service", 0, "tcp:22:http");   /* replaces the SSH banner */
  g_assert_cmpuint (vm->services->len, ==, 4);
  g_assert_cmpuint (g_array_index (vm->services, WbVmService, 0).port, ==, 7);
  g_assert_cmpint (g_array_index (vm->services, WbVmService, 1).kind, ==, WB_VM_SERVICE_HTTP);
  g_assert_cmpuint (g_array_index (vm->services, WbVmService, 3).port, ==, 8080);
  apply_ok (vm, "serviceremove", 0, "tcp:7");
  g_assert_cmpuint (vm->services->len, ==, 3);

  apply_fails (vm, "serviceremove", 0, "tcp:7", WB_ERROR_NOT_FOUND, "port 7");
  apply_fails (vm, "service", 0, "tcp:0:http", WB_ERROR_INVALID_ARGUMENT, "--service");
  apply_fails (vm, "service", 0, "tcp:65536:http", WB_ERROR_INVALID_ARGUMENT, "65536");
  apply_fails (vm, "service", 0, "udp:53:echo", WB_ERROR_INVALID_ARGUMENT, "tcp:PORT");
  apply_fails (vm, "service", 0, "tcp:25:smtp", WB_ERROR_INVALID_ARGUMENT, "echo");
  apply_fails (vm, "service", 0, "tcp:25", WB_ERROR_INVALID_ARGUMENT, "echo");
  apply_fails (vm, "ipforward", 0, "perhaps", WB_ERROR_INVALID_ARGUMENT, "--ip-forward");
  apply_fails (vm, "ipforward", 3, "on", WB_ERROR_UNKNOWN_OPTION, "ipforward");
  g_assert_cmpstr (wb_vm_service_kind_to_string (WB_VM_SERVICE_ECHO), ==, "echo");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guestconfig/defaults", test_defaults);
  g_test_add_func ("/guestconfig/interface", test_interface_settings);
  g_test_add_func ("/guestconfig/guest", test_guest_settings);
  return g_test_run ();
}
