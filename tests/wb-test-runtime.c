/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "wb-guest-private.h"
#include "wb-home.h"
#include "wb-runtime-private.h"
#include "wb-test-runtime.h"

void
wb_test_runtime_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        wb_test_runtime_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

char *
wb_test_runtime_set_up_base (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  char *base = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  home = g_build_filename (base, "home", NULL);
  g_setenv ("WIREBOX_HOME", home, TRUE);
  return base;
}

static void
on_vm_state_changed (WbRuntime     *runtime,
                     const char    *uuid,
                     gboolean       running,
                     WbTestFixture *f)
{
  f->state_changes++;
}

void
wb_test_fixture_set_up (WbTestFixture *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;

  /* WIREBOX_HOME is set once in main(), before any thread exists. */
  f->home = wb_home_get_dir ();
  g_assert_cmpint (g_mkdir_with_parents (f->home, 0700), ==, 0);
  db = wb_home_get_db_path ();
  f->store = wb_store_open (db, &error);
  g_assert_no_error (error);
  f->settings = wb_settings_new (f->store);
  f->runtime = wb_runtime_new (f->settings);
  g_signal_connect (f->runtime, "vm-state-changed", G_CALLBACK (on_vm_state_changed), f);
}

void
wb_test_run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
wb_test_fixture_tear_down (WbTestFixture *f,
                           gconstpointer  data)
{
  wb_runtime_shutdown (f->runtime);
  g_assert_cmpuint (_wb_runtime_get_n_networks (f->runtime), ==, 0);
  g_clear_object (&f->runtime);
  g_clear_object (&f->settings);
  g_clear_object (&f->store);
  wb_test_run_pending ();
  wb_test_runtime_rm_rf (f->home);
  g_free (f->home);
}

void
wb_test_create_vm (WbTestFixture *f,
                   const char    *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = wb_settings_create_vm (f->settings, name, TRUE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (uuid);
}

void
wb_test_change_vm (WbTestFixture *f,
                   gboolean       guest,
                   const char    *name,
                   ...)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (WbVmChange));
  g_autoptr(GError) error = NULL;
  const char *key;
  va_list args;

  va_start (args, name);
  while ((key = va_arg (args, const char *)) != NULL)
    {
      WbVmChange change;

      change.key = key;
      change.slot = va_arg (args, guint);
      change.value = va_arg (args, const char *);
      g_array_append_val (changes, change);
    }
  va_end (args);

  if (guest)
    wb_settings_configure_guest (f->settings, name, (WbVmChange *) changes->data,
                                 changes->len, &error);
  else
    wb_settings_modify_vm (f->settings, name, (WbVmChange *) changes->data,
                           changes->len, &error);
  g_assert_no_error (error);
}

void
wb_test_create_intnet_vm (WbTestFixture *f,
                          const char    *name,
                          const char    *intnet,
                          const char    *address,
                          const char    *gateway)
{
  wb_test_create_vm (f, name);
  wb_test_modify_vm (f, name, "nic", 1u, "intnet", "intnet", 1u, intnet);
  if (address != NULL)
    wb_test_configure_guest (f, name, "guestip", 1u, address);
  if (gateway != NULL)
    wb_test_configure_guest (f, name, "guestgateway", 1u, gateway);
}

void
wb_test_start_vm (WbTestFixture *f,
                  const char    *name)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wb_runtime_start_vm (f->runtime, name, &error));
  g_assert_no_error (error);
}

void
wb_test_poweroff_vm (WbTestFixture *f,
                     const char    *name)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wb_runtime_poweroff_vm (f->runtime, name, &error));
  g_assert_no_error (error);
}

void
wb_test_control_vm (WbTestFixture *f,
                    const char    *name,
                    const char    *key,
                    guint          slot,
                    const char    *arg1,
                    const char    *arg2)
{
  g_autoptr(GError) error = NULL;
  const char *args[] = { arg1, arg2, NULL };

  g_assert_true (wb_runtime_control_vm (f->runtime, name, key, slot, args, &error));
  g_assert_no_error (error);
}

void
wb_test_store_result_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
wb_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

int
wb_test_guest_run (WbTestFixture  *f,
                   const char     *name,
                   const char     *command,
                   char          **output)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *out = NULL;
  int status = -1;

  g_assert_true (g_shell_parse_argv (command, NULL, &argv, &error));
  wb_runtime_guest_run_async (f->runtime, name, (const char * const *) argv,
                              NULL, wb_test_store_result_cb, &result);
  g_assert_true (wb_runtime_guest_run_finish (f->runtime, wb_test_wait_result (&result),
                                              &status, &out, &error));
  g_assert_no_error (error);
  /* A page of output is plenty for a log. */
  g_test_message ("%s$ %s -> %d\n%.2000s", name, command, status, out);
  if (output != NULL)
    *output = g_steal_pointer (&out);
  return status;
}

char *
wb_test_wait_property (WbTestFixture *f,
                       const char    *name,
                       const char    *pattern,
                       guint          timeout_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *value = NULL;

  wb_runtime_wait_property_async (f->runtime, name, pattern, timeout_ms, NULL,
                                  wb_test_store_result_cb, &result);
  if (!wb_runtime_wait_property_finish (f->runtime, wb_test_wait_result (&result), NULL,
                                        &value, &error))
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      return NULL;
    }
  return g_steal_pointer (&value);
}

/* --- bulk TCP ------------------------------------------------------------------ */

void
wb_test_bulk_sender_init (WbTestBulkSender *sender,
                          gsize             size,
                          guint32           seed)
{
  sender->sum = g_checksum_new (G_CHECKSUM_SHA256);
  sender->rand = g_rand_new_with_seed (seed);
  sender->left = size;
  sender->reply = g_string_new (NULL);
}

void
wb_test_bulk_sender_clear (WbTestBulkSender *sender)
{
  g_checksum_free (sender->sum);
  g_rand_free (sender->rand);
  g_string_free (sender->reply, TRUE);
  g_clear_error (&sender->error);
}

static void
bulk_received_cb (WbTcpSocket  *socket,
                  const guint8 *data,
                  gsize         len,
                  gpointer      user_data)
{
  WbTestBulkReceiver *receiver = user_data;

  if (len == 0)
    {
      receiver->eof = TRUE;
      wb_tcp_shutdown (socket);
      return;
    }
  g_checksum_update (receiver->sum, data, len);
  receiver->received += len;
}

static void
bulk_receiver_closed_cb (WbTcpSocket  *socket,
                         const GError *error,
                         gpointer      user_data)
{
  WbTestBulkReceiver *receiver = user_data;

  receiver->closed = TRUE;
  if (error != NULL)
    receiver->error = g_error_copy (error);
}

static const WbTcpCallbacks receiver_callbacks = {
  .received = bulk_received_cb,
  .closed = bulk_receiver_closed_cb,
};

void
wb_test_bulk_accept_cb (WbTcpSocket *socket,
                        gpointer     user_data)
{
  wb_tcp_socket_set_callbacks (socket, &receiver_callbacks, user_data);
}

static void
bulk_pump (WbTestBulkSender *sender)
{
  while (sender->left > 0 || sender->chunk_off < sender->chunk_len)
    {
      gsize taken;

      if (sender->chunk_off == sender->chunk_len)
        {
          sender->chunk_len = MIN (sizeof sender->chunk, sender->left);
          for (gsize i = 0; i < sender->chunk_len; i += 4)
            {
              guint32 word = g_rand_int (sender->rand);

              memcpy (sender->chunk + i, &word, MIN (4, sender->chunk_len - i));
            }
          g_checksum_update (sender->sum, sender->chunk, sender->chunk_len);
          sender->chunk_off = 0;
          sender->left -= sender->chunk_len;
        }
      taken = wb_tcp_send (sender->socket, sender->chunk + sender->chunk_off,
                           sender->chunk_len - sender->chunk_off);
      if (taken == 0)
        return;
      sender->chunk_off += taken;
    }
  if (!sender->done)
    {
      sender->done = TRUE;
      wb_tcp_shutdown (sender->socket);
    }
}

static void
bulk_connected_cb (WbTcpSocket *socket,
                   gpointer     user_data)
{
  bulk_pump (user_data);
}

static void
bulk_writable_cb (WbTcpSocket *socket,
                  gpointer     user_data)
{
  bulk_pump (user_data);
}

static void
bulk_sender_received_cb (WbTcpSocket  *socket,
                         const guint8 *data,
                         gsize         len,
                         gpointer      user_data)
{
  WbTestBulkSender *sender = user_data;

  g_string_append_len (sender->reply, (const char *) data, len);
}

static void
bulk_sender_closed_cb (WbTcpSocket  *socket,
                       const GError *error,
                       gpointer      user_data)
{
  WbTestBulkSender *sender = user_data;

  sender->closed = TRUE;
  if (error != NULL)
    sender->error = g_error_copy (error);
}

const WbTcpCallbacks wb_test_bulk_sender_callbacks = {
  .connected = bulk_connected_cb,
  .received = bulk_sender_received_cb,
  .writable = bulk_writable_cb,
  .closed = bulk_sender_closed_cb,
};
