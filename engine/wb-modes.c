/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The modes matrix (wb-modes.h). One run is a GTask that walks the modes:
 * build the lab (settings calls on its own store, then the VMs started),
 * wait for both VMs' addresses, make sure the forwards are bound (a port
 * the kernel handed out may be taken before libslirp binds it: another
 * port then), run a WbMatrix, read the five cells, tear the lab down.
 */
#include "wb-modes.h"

#include <glib/gstdio.h>
#include <string.h>

#include "wb-error.h"
#include "wb-hostifs.h"
#include "wb-matrix.h"
#include "wb-model.h"
#include "wb-net.h"
#include "wb-runtime-private.h"
#include "wb-settings.h"
#include "wb-slirp.h"
#include "wb-store.h"

#define LAB_NETWORK_BASE     0xc6120000u     /* 198.18.0.0, 198.18.0.0/15 */
#define LAB_PREFIX           24
#define ADDRESS_TIMEOUT_MS   15000
#define BIND_ATTEMPTS        8
#define GUEST_PORT           22
#define IP_PROPERTY          "/VirtualBox/GuestInfo/Net/0/V4/IP"
#define NATNET_NAME          "modes"
#define INTNET_NAME          "modes"
#define N_VMS                2

typedef enum
{
  MODE_HOSTONLY,
  MODE_INTNET,
  MODE_BRIDGED,
  MODE_NAT,
  MODE_NATNETWORK,
} Mode;

typedef enum
{
  COLUMN_VM_TO_HOST,
  COLUMN_HOST_TO_VM,
  COLUMN_VM_TO_VM,
  COLUMN_VM_TO_LAN,
  COLUMN_LAN_TO_VM,
} Column;

const char * const wb_modes_names[WB_MODES_N_MODES] = {
  "hostonly", "intnet", "bridged", "nat", "natnetwork",
};

const char * const wb_modes_columns[WB_MODES_N_COLUMNS] = {
  "vm-to-host", "host-to-vm", "vm-to-vm", "vm-to-lan", "lan-to-vm",
};

/* VIRTUALBOX.md §6, "Port forward" as "port-forward". */
static const char * const expected[WB_MODES_N_MODES][WB_MODES_N_COLUMNS] = {
  [MODE_HOSTONLY]   = { "+", "+", "+", "-", "-" },
  [MODE_INTNET]     = { "-", "-", "+", "-", "-" },
  [MODE_BRIDGED]    = { "+", "+", "+", "+", "+" },
  [MODE_NAT]        = { "+", "port-forward", "-", "+", "port-forward" },
  [MODE_NATNETWORK] = { "+", "port-forward", "+", "+", "port-forward" },
};

/* For findings, as the manual's table says them. */
static const char * const mode_titles[WB_MODES_N_MODES] = {
  "Host-only", "Internal", "Bridged", "NAT", "NAT Network",
};

static const char * const column_titles[WB_MODES_N_COLUMNS] = {
  "VM->Host", "VM<-Host", "VM1<->VM2", "VM->Net/LAN", "VM<-Net/LAN",
};

static const char * const vm_names[N_VMS] = { "VM1", "VM2" };

struct _WbModes
{
  GObject       parent_instance;

  WbModesFault  fault;
};

G_DEFINE_FINAL_TYPE (WbModes, wb_modes, G_TYPE_OBJECT)

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One lab: a world of its own. */
typedef struct
{
  Mode        mode;
  guint32     network;        /* 198.18.N.0 */
  char       *dir;
  WbStore    *store;
  WbSettings *settings;
  WbRuntime  *runtime;
  WbMatrix   *matrix;
  char       *uuids[N_VMS];
  guint16     ports[N_VMS];   /* the forwards' host ports; 0: none */
  guint       waiting;        /* address waits still out */
} Lab;

typedef struct
{
  guint       mode;           /* the lab being measured */
  Lab        *lab;
  GPtrArray  *results;        /* GVariant* a{sv}, one per mode measured */
  GPtrArray  *findings;       /* char* */
  char       *why;            /* why the lab's matrix did not run */
} Run;

/* --- the lab ------------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else if (g_unlink (child) != 0)
        g_debug ("Cannot remove %s", child);
    }
  if (g_rmdir (path) != 0)
    g_debug ("Cannot remove %s", path);
}

static void
lab_free (Lab *lab)
{
  if (lab == NULL)
    return;
  /* The matrix first: it would re-probe VMs as they stop. */
  if (lab->matrix != NULL)
    g_object_run_dispose (G_OBJECT (lab->matrix));
  g_clear_object (&lab->matrix);
  if (lab->runtime != NULL)
    wb_runtime_shutdown (lab->runtime);
  g_clear_object (&lab->runtime);
  g_clear_object (&lab->settings);
  g_clear_object (&lab->store);
  if (lab->dir != NULL)
    remove_tree (lab->dir);
  g_free (lab->dir);
  for (guint i = 0; i < N_VMS; i++)
    g_free (lab->uuids[i]);
  g_free (lab);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Lab, lab_free)

static char *
lab_address (Lab   *lab,
             guint  host)
{
  return wb_ipv4_to_string (lab->network + host);
}

/* lab_address() with the lab's prefix: "ADDRESS/24". */
static char *
lab_cidr (Lab   *lab,
          guint  host)
{
  g_autofree char *address = lab_address (lab, host);

  return g_strdup_printf ("%s/%u", address, LAB_PREFIX);
}

/* A TCP port on every interface that the kernel says is free now. */
static gboolean
pick_port (guint16  *port,
           GError  **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL || !g_socket_bind (socket, address, FALSE, error))
    return FALSE;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_socket_close (socket, error);
}

static gboolean
modify_vm (Lab         *lab,
           guint        vm,
           GError     **error,
           ...)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (WbVmChange));
  gboolean guest = FALSE;
  const char *key;
  va_list args;

  va_start (args, error);
  while ((key = va_arg (args, const char *)) != NULL)
    {
      WbVmChange change;

      /* "guest:" marks a guestconfig key. */
      if (g_str_has_prefix (key, "guest:"))
        {
          guest = TRUE;
          key += strlen ("guest:");
        }
      change.key = key;
      change.slot = 1;
      change.value = va_arg (args, const char *);
      g_array_append_val (changes, change);
    }
  va_end (args);

  if (guest)
    return wb_settings_configure_guest (lab->settings, lab->uuids[vm],
                                        (WbVmChange *) changes->data, changes->len, error);
  return wb_settings_modify_vm (lab->settings, lab->uuids[vm],
                                (WbVmChange *) changes->data, changes->len, error);
}

static char *
nat_rule (guint16 port)
{
  return g_strdup_printf ("ssh,tcp,,%u,,%u", port, GUEST_PORT);
}

static char *
natnet_rule (Lab   *lab,
             guint  vm,
             guint16 port)
{
  g_autofree char *guest = lab_address (lab, 10 + vm);

  return g_strdup_printf ("%s:tcp:[]:%u:[%s]:%u", vm_names[vm], port, guest, GUEST_PORT);
}

static gboolean
lab_configure_hostonly (Lab     *lab,
                        GError **error)
{
  g_autofree char *ifname = wb_settings_create_host_only_if (lab->settings, error);
  g_autofree char *dhcp_name = NULL;
  g_autofree char *host = lab_address (lab, 1);
  g_autofree char *server = lab_address (lab, 100);
  g_autofree char *lower = lab_address (lab, 101);
  g_autofree char *upper = lab_address (lab, 254);
  g_autofree char *netmask = wb_ipv4_to_string (wb_prefix_to_mask (LAB_PREFIX));
  WbOption dhcp[] = {
    { "server-ip", server },
    { "netmask", netmask },
    { "lower-ip", lower },
    { "upper-ip", upper },
    { "enable", "" },
  };

  if (ifname == NULL
      || !wb_settings_configure_host_only_if (lab->settings, ifname, host, netmask, error))
    return FALSE;
  dhcp_name = wb_host_only_network_name (ifname);
  if (!wb_settings_modify_dhcp_server (lab->settings, dhcp_name, dhcp, G_N_ELEMENTS (dhcp),
                                       error))
    return FALSE;
  for (guint vm = 0; vm < N_VMS; vm++)
    if (!modify_vm (lab, vm, error, "nic", "hostonly", "hostonlyadapter", ifname, NULL))
      return FALSE;
  return TRUE;
}

static gboolean
lab_configure_intnet (Lab     *lab,
                      GError **error)
{
  for (guint vm = 0; vm < N_VMS; vm++)
    {
      g_autofree char *cidr = lab_cidr (lab, 10 + vm);

      if (!modify_vm (lab, vm, error, "nic", "intnet", "intnet", INTNET_NAME, NULL)
          || !modify_vm (lab, vm, error, "guest:guestip", cidr, NULL))
        return FALSE;
    }
  return TRUE;
}

/* Any name will do: the lab's runtime plans its LAN on its own subnet and
 * touches no interface; the one a user would pick reads most naturally. */
static char *
bridge_name (void)
{
  char *name = wb_host_ifs_pick_bridge ();

  return name != NULL ? name : g_strdup ("eth0");
}

static gboolean
lab_configure_bridged (Lab     *lab,
                       GError **error)
{
  g_autofree char *ifname = bridge_name ();

  for (guint vm = 0; vm < N_VMS; vm++)
    if (!modify_vm (lab, vm, error, "nic", "bridged", "bridgeadapter", ifname, NULL))
      return FALSE;
  return TRUE;
}

static gboolean
lab_configure_nat (Lab       *lab,
                   GError   **error)
{
  g_autofree char *cidr = lab_cidr (lab, 0);

  for (guint vm = 0; vm < N_VMS; vm++)
    {
      g_autofree char *rule = NULL;

      if (!modify_vm (lab, vm, error, "nic", "nat", "natnet", cidr,
                      "natlocalhostreachable", "on", NULL))
        return FALSE;
      if (!pick_port (&lab->ports[vm], error))
        return FALSE;
      rule = nat_rule (lab->ports[vm]);
      if (!modify_vm (lab, vm, error, "natpf", rule, NULL))
        return FALSE;
    }
  return TRUE;
}

static gboolean
lab_configure_natnetwork (Lab       *lab,
                          GError   **error)
{
  g_autofree char *cidr = lab_cidr (lab, 0);
  g_autofree char *gateway = lab_address (lab, 1);
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) options = g_array_new (FALSE, FALSE, sizeof (WbOption));
  WbOption option;

  option = (WbOption) { "network", cidr };
  g_array_append_val (options, option);
  option = (WbOption) { "enable", "" };
  g_array_append_val (options, option);
  option = (WbOption) { "dhcp", "off" };
  g_array_append_val (options, option);
  for (guint vm = 0; vm < N_VMS; vm++)
    {
      if (!pick_port (&lab->ports[vm], error))
        return FALSE;
      g_ptr_array_add (rules, natnet_rule (lab, vm, lab->ports[vm]));
      option = (WbOption) { "portforward4", g_ptr_array_index (rules, vm) };
      g_array_append_val (options, option);
    }
  if (!wb_settings_add_nat_network (lab->settings, NATNET_NAME, (WbOption *) options->data,
                                    options->len, error))
    return FALSE;

  for (guint vm = 0; vm < N_VMS; vm++)
    {
      g_autofree char *guest_cidr = lab_cidr (lab, 10 + vm);

      if (!modify_vm (lab, vm, error, "nic", "natnetwork", "natnetwork", NATNET_NAME, NULL)
          || !modify_vm (lab, vm, error, "guest:guestip", guest_cidr,
                         "guest:guestgateway", gateway, NULL))
        return FALSE;
    }
  return TRUE;
}

/* The forwards of VM @vm: where they are bound, and why not. */
static WbSlirp *
lab_slirp (Lab   *lab,
           guint  vm)
{
  WbRuntimeNetwork network;

  if (lab->mode == MODE_NATNETWORK)
    {
      if (!_wb_runtime_get_network (lab->runtime, "natnet:" NATNET_NAME, &network))
        return NULL;
    }
  else if (!_wb_runtime_get_adapter_network (lab->runtime, lab->uuids[vm], 1, &network))
    return NULL;
  return network.slirp;
}

/* A port handed out may be taken before libslirp binds it: another one,
 * until it is bound. */
static gboolean
lab_bind_forwards (Lab     *lab,
                   GError **error)
{
  for (guint vm = 0; vm < N_VMS; vm++)
    {
      const char *name = lab->mode == MODE_NAT ? "ssh" : vm_names[vm];

      for (guint attempt = 0; lab->ports[vm] != 0; attempt++)
        {
          g_autofree char *rule = NULL;
          WbSlirp *slirp = lab_slirp (lab, vm);
          const char *reason = slirp != NULL ? wb_slirp_get_rule_error (slirp, name) : NULL;

          if (reason == NULL)
            break;
          if (attempt == BIND_ATTEMPTS)
            {
              g_set_error (error, WB_ERROR, WB_ERROR_PORT_IN_USE,
                           "The lab's port forward for %s is not bound: %s",
                           vm_names[vm], reason);
              return FALSE;
            }
          if (!pick_port (&lab->ports[vm], error))
            return FALSE;
          if (lab->mode == MODE_NAT)
            {
              const char *remove[] = { "delete", name, NULL };
              const char *add[] = { NULL, NULL };

              rule = nat_rule (lab->ports[vm]);
              add[0] = rule;
              if (!wb_runtime_control_vm (lab->runtime, lab->uuids[vm], "natpf", 1, remove,
                                          error)
                  || !wb_runtime_control_vm (lab->runtime, lab->uuids[vm], "natpf", 1, add,
                                             error))
                return FALSE;
            }
          else
            {
              WbOption options[] = {
                { "portforward4delete", name },
                { "portforward4", NULL },
              };

              rule = natnet_rule (lab, vm, lab->ports[vm]);
              options[1].value = rule;
              if (!wb_settings_modify_nat_network (lab->settings, NATNET_NAME, options,
                                                   G_N_ELEMENTS (options), error))
                return FALSE;
            }
        }
    }
  return TRUE;
}

/* The lab of @mode in a new temporary folder, its VMs running. */
static Lab *
lab_new (Mode           mode,
         WbModesFault   fault,
         GError       **error)
{
  g_autoptr(Lab) lab = g_new0 (Lab, 1);
  g_autofree char *db = NULL;
  g_autofree char *logs = NULL;
  gboolean ok = FALSE;

  lab->mode = mode;
  lab->network = LAB_NETWORK_BASE + ((guint32) (mode + 1) << 8);
  lab->dir = g_dir_make_tmp ("wirebox-modes-XXXXXX", error);
  if (lab->dir == NULL)
    return NULL;
  db = g_build_filename (lab->dir, "wirebox.db", NULL);
  logs = g_build_filename (lab->dir, "logs", NULL);
  lab->store = wb_store_open (db, error);
  if (lab->store == NULL)
    return NULL;
  lab->settings = wb_settings_new (lab->store);
  lab->runtime = wb_runtime_new (lab->settings);
  _wb_runtime_set_logs_dir (lab->runtime, logs);
  _wb_runtime_set_engine_only (lab->runtime, lab->network, LAB_PREFIX);

  for (guint vm = 0; vm < N_VMS; vm++)
    {
      lab->uuids[vm] = wb_settings_create_vm (lab->settings, vm_names[vm], TRUE, error);
      if (lab->uuids[vm] == NULL)
        return NULL;
    }

  switch (mode)
    {
    case MODE_HOSTONLY:
      ok = lab_configure_hostonly (lab, error);
      break;
    case MODE_INTNET:
      ok = lab_configure_intnet (lab, error);
      break;
    case MODE_BRIDGED:
      ok = lab_configure_bridged (lab, error);
      break;
    case MODE_NAT:
      ok = lab_configure_nat (lab, error);
      break;
    case MODE_NATNETWORK:
      ok = lab_configure_natnetwork (lab, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return NULL;

  for (guint vm = 0; vm < N_VMS; vm++)
    if (!wb_runtime_start_vm (lab->runtime, lab->uuids[vm], error))
      return NULL;
  if (!lab_bind_forwards (lab, error))
    return NULL;
  /* The fault: the rules stay in the lab's settings, as the user would
   * have them, but their sockets are closed, so the matrix finds nothing
   * listening where the rules say. */
  if (fault == WB_MODES_FAULT_FORWARDS_NOT_INSTALLED
      && (mode == MODE_NAT || mode == MODE_NATNETWORK))
    for (guint vm = 0; vm < N_VMS; vm++)
      wb_slirp_set_rules (lab_slirp (lab, vm), NULL, 0);
  return g_steal_pointer (&lab);
}

/* --- measuring ---------------------------------------------------------------- */

static void
run_free (Run *run)
{
  lab_free (run->lab);
  g_ptr_array_unref (run->results);
  g_ptr_array_unref (run->findings);
  g_free (run->why);
  g_free (run);
}

static void run_next (GTask *task);

static char *
vm_id (Lab   *lab,
       guint  vm)
{
  return g_strconcat ("vm:", lab->uuids[vm], NULL);
}

static GVariant *
lookup_cell (Lab        *lab,
             const char *from,
             const char *to)
{
  GVariant *cell = lab->matrix != NULL ? wb_matrix_lookup_cell (lab->matrix, from, to) : NULL;

  return cell != NULL ? g_variant_ref_sink (cell) : NULL;
}

static const char *
cell_result (GVariant *cell)
{
  const char *result = NULL;

  if (cell == NULL || !g_variant_lookup (cell, "result", "&s", &result))
    return "not probed";
  return result;
}

static void
add_finding (Run        *run,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_finding (Run        *run,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (run->findings, g_strdup_vprintf (format, args));
  va_end (args);
}

/* The cell's evidence (without its "id" and "result"). */
static GVariant *
evidence (GVariant *cell)
{
  static const char * const keys[] = { "from", "to", "target", "path", "rules", "reason",
                                       "detail" };
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  for (guint i = 0; cell != NULL && i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (cell, keys[i], NULL);

      if (value != NULL)
        g_variant_dict_insert_value (&dict, keys[i], value);
    }
  return g_variant_dict_end (&dict);
}

static const char *
cell_reason (GVariant *cell)
{
  const char *reason = NULL;

  if (cell == NULL || !g_variant_lookup (cell, "reason", "&s", &reason) || *reason == '\0')
    return NULL;
  return reason;
}

/* The mode's result from its lab (NULL: the lab did not come up, @why). */
static GVariant *
measure (Run        *run,
         Mode        mode,
         Lab        *lab,
         const char *why)
{
  g_autofree char *vm1 = lab != NULL ? vm_id (lab, 0) : NULL;
  g_autofree char *vm2 = lab != NULL ? vm_id (lab, 1) : NULL;
  GVariant *cells[WB_MODES_N_COLUMNS] = { NULL };
  g_autoptr(GVariant) back = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GVariantBuilder expect, proof;

  if (lab != NULL)
    {
      cells[COLUMN_VM_TO_HOST] = lookup_cell (lab, vm1, "host");
      cells[COLUMN_HOST_TO_VM] = lookup_cell (lab, "host", vm1);
      cells[COLUMN_VM_TO_VM] = lookup_cell (lab, vm1, vm2);
      cells[COLUMN_VM_TO_LAN] = lookup_cell (lab, vm1, "lan");
      cells[COLUMN_LAN_TO_VM] = lookup_cell (lab, "lan", vm1);
      back = lookup_cell (lab, vm2, vm1);
    }

  g_variant_dict_insert (&dict, "mode", "s", wb_modes_names[mode]);
  g_variant_builder_init (&expect, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_init (&proof, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (guint column = 0; column < WB_MODES_N_COLUMNS; column++)
    {
      const char *result = cell_result (cells[column]);
      const char *want = expected[mode][column];
      const char *reason = cell_reason (cells[column]);

      if (reason == NULL)
        reason = why;
      /* Both ways, or neither. */
      if (column == COLUMN_VM_TO_VM && lab != NULL
          && strcmp (result, cell_result (back)) != 0)
        {
          add_finding (run, "%s, %s: %s->%s measured '%s' but %s->%s '%s'.",
                       mode_titles[mode], column_titles[column], vm_names[0], vm_names[1],
                       result, vm_names[1], vm_names[0], cell_result (back));
          result = "-";
        }
      else if (strcmp (result, want) != 0)
        add_finding (run, "%s, %s: measured '%s' where VirtualBox has '%s'%s%s%s.",
                     mode_titles[mode], column_titles[column], result, want,
                     reason != NULL ? " (" : "", reason != NULL ? reason : "",
                     reason != NULL ? ")" : "");
      g_variant_dict_insert (&dict, wb_modes_columns[column], "s", result);
      g_variant_builder_add (&expect, "{ss}", wb_modes_columns[column], want);
      g_variant_builder_add (&proof, "{s@a{sv}}", wb_modes_columns[column],
                             evidence (cells[column]));
    }
  for (guint column = 0; column < WB_MODES_N_COLUMNS; column++)
    g_clear_pointer (&cells[column], g_variant_unref);
  g_variant_dict_insert_value (&dict, "expected", g_variant_builder_end (&expect));
  g_variant_dict_insert_value (&dict, "evidence", g_variant_builder_end (&proof));
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static void
run_finish_mode (GTask      *task,
                 const char *why)
{
  Run *run = g_task_get_task_data (task);
  WbModes *self = g_task_get_source_object (task);

  g_ptr_array_add (run->results, measure (run, run->mode, run->lab, why));
  g_clear_pointer (&run->lab, lab_free);
  run->mode++;
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, run->mode, WB_MODES_N_MODES);
  run_next (task);
}

static gboolean
finish_mode_cb (gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autofree char *why = g_steal_pointer (&run->why);

  if (!g_task_return_error_if_cancelled (task))
    run_finish_mode (task, why);
  return G_SOURCE_REMOVE;
}

/* The matrix may complete from inside a delivery to one of the lab's
 * guests: the lab goes from a fresh turn of the loop, not from under it. */
static void
run_finish_mode_later (GTask      *task,
                       const char *why)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(GSource) source = g_idle_source_new ();

  run->why = g_strdup (why);
  g_source_set_callback (source, finish_mode_cb, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
on_matrix_run_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) matrix = wb_matrix_run_finish (WB_MATRIX (source), result, &error);

  if (matrix == NULL)
    g_debug ("Modes matrix: %s", error->message);
  run_finish_mode_later (task, matrix == NULL ? error->message : NULL);
}

static void
run_measure (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->lab->matrix = wb_matrix_new (run->lab->runtime);
  wb_matrix_run_async (run->lab->matrix, g_task_get_cancellable (task), on_matrix_run_cb,
                       g_object_ref (task));
}

static void
on_address_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* No address is a measurement too: the matrix says what it means. */
  if (!wb_runtime_wait_property_finish (WB_RUNTIME (source), result, NULL, NULL, &error))
    g_debug ("Modes matrix: %s", error->message);
  if (--run->lab->waiting > 0)
    return;
  if (g_task_return_error_if_cancelled (task))
    return;
  run_measure (task);
}

static void
run_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  WbModes *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GVariantBuilder modes;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (run->mode < WB_MODES_N_MODES)
    {
      run->lab = lab_new (run->mode, self->fault, &error);
      if (run->lab == NULL)
        {
          add_finding (run, "%s: the lab did not come up: %s", mode_titles[run->mode],
                       error->message);
          run_finish_mode (task, error->message);
          return;
        }
      run->lab->waiting = N_VMS;
      for (guint vm = 0; vm < N_VMS; vm++)
        wb_runtime_wait_property_async (run->lab->runtime, run->lab->uuids[vm], IP_PROPERTY,
                                        ADDRESS_TIMEOUT_MS, g_task_get_cancellable (task),
                                        on_address_cb, g_object_ref (task));
      return;
    }

  g_variant_builder_init (&modes, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < run->results->len; i++)
    g_variant_builder_add_value (&modes, g_ptr_array_index (run->results, i));
  g_variant_dict_insert_value (&dict, "modes", g_variant_builder_end (&modes));
  g_variant_dict_insert_value (&dict, "findings",
                               g_variant_new_strv ((const char * const *) run->findings->pdata,
                                                   run->findings->len));
  g_variant_dict_insert (&dict, "fault", "s",
                         self->fault == WB_MODES_FAULT_FORWARDS_NOT_INSTALLED
                         ? "forwards-not-installed" : "");
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&dict)),
                         (GDestroyNotify) g_variant_unref);
}

/* --- API ------------------------------------------------------------------------ */

const char *
wb_modes_expected (guint mode,
                   guint column)
{
  g_return_val_if_fail (mode < WB_MODES_N_MODES && column < WB_MODES_N_COLUMNS, NULL);

  return expected[mode][column];
}

WbModes *
wb_modes_new (void)
{
  return g_object_new (WB_TYPE_MODES, NULL);
}

void
wb_modes_set_fault (WbModes      *self,
                    WbModesFault  fault)
{
  g_return_if_fail (WB_IS_MODES (self));

  self->fault = fault;
}

void
wb_modes_run_async (WbModes             *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (WB_IS_MODES (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wb_modes_run_async);
  /* A failed lab is a finding, not an error: the others still run. */
  g_task_set_check_cancellable (task, TRUE);
  run = g_new0 (Run, 1);
  run->results = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  run->findings = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, 0, WB_MODES_N_MODES);
  run_next (task);
}

GVariant *
wb_modes_run_finish (WbModes       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- GObject ------------------------------------------------------------------- */

static void
wb_modes_class_init (WbModesClass *klass)
{
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
wb_modes_init (WbModes *self)
{
  if (g_strcmp0 (g_getenv ("WIREBOX_TEST_FAULT"), "forwards-not-installed") == 0)
    self->fault = WB_MODES_FAULT_FORWARDS_NOT_INSTALLED;
}
