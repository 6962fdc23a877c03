/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fills a settings database for the benchmarks through the engine's own
 * settings code: N VMs with all eight adapters enabled, a mix of modes and a
 * port-forwarding rule on each NAT adapter.
 *
 *   bench-populate DB_PATH N
 */
#include <stdlib.h>

#include "wb-settings.h"
#include "wb-store.h"

static const char *const modes[] = { "nat", "intnet", "hostonly", "natnetwork",
                                     "bridged", "intnet", "nat", "null" };

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WbStore) store = NULL;
  g_autoptr(WbSettings) settings = NULL;
  guint64 n;

  if (argc != 3)
    {
      g_printerr ("usage: %s DB_PATH N\n", argv[0]);
      return 2;
    }
  n = g_ascii_strtoull (argv[2], NULL, 10);

  store = wb_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  settings = wb_settings_new (store);

  for (guint64 i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm%05" G_GUINT64_FORMAT, i);
      g_autofree char *uuid = wb_settings_create_vm (settings, name, TRUE, &error);
      WbVmChange changes[WB_MAX_ADAPTERS + 2];
      guint k = 0;

      if (uuid == NULL)
        break;
      for (guint slot = 1; slot <= WB_MAX_ADAPTERS; slot++)
        changes[k++] = (WbVmChange) { "nic", slot, modes[slot - 1] };
      changes[k++] = (WbVmChange) { "intnet", 2, "lab" };
      changes[k++] = (WbVmChange) { "natpf", 1, "ssh,tcp,127.0.0.1,2222,,22" };
      if (!wb_settings_modify_vm (settings, name, changes, k, &error))
        break;
    }

  if (error != NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
